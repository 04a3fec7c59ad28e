"""ZIP archives: one unpacking budget per ingest, and member names that cannot be unpacked side by side."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from qinglian.ingest.readers import archive
from tests.helpers import cli, query
from tests.ingest.test_bad_input import GOOD, HEADER, expect_refused


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def test_budget_spans_nested_archives(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each archive alone fits the budget; together (outer + nested) they do not."""
    monkeypatch.setattr(archive, "LIMITS", archive.Limits(max_total_bytes=60_000, max_ratio=1e9))
    rows = (HEADER + GOOD * 700).encode()  # ~35 KB
    inner = _zip([("inner.csv", rows)])
    z = tmp_path / "nested.zip"
    z.write_bytes(_zip([("inner.zip", inner), ("outer.csv", rows.replace(b"30\n", b"31\n"))]))
    assert len(rows) < 60_000 < 2 * len(rows)
    expect_refused(case_dir, capsys, [z, "--holder", "甲"], "nested.zip", "压缩炸弹")


def test_budget_spans_files_of_one_ingest(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "LIMITS", archive.Limits(max_members=3))
    zips = []
    for i in range(2):
        z = tmp_path / f"part{i}.zip"
        z.write_bytes(_zip([(f"f{i}{j}.csv", (HEADER + GOOD.replace("30", f"{i}{j}")).encode()) for j in range(2)]))
        zips.append(z)
    expect_refused(case_dir, capsys, [*zips, "--holder", "甲"], "part1.zip", "共有 4 个文件")


def test_duplicate_member_names_refused(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    z = tmp_path / "dup.zip"
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name while writing it
        data = _zip([("list.csv", (HEADER + GOOD).encode()), ("list.csv", (HEADER + GOOD.replace("30", "31")).encode())])
    z.write_bytes(data)
    err = expect_refused(case_dir, capsys, [z, "--holder", "甲"], "dup.zip", "两个同名成员", "list.csv")
    assert "13812345678" not in err


@pytest.mark.parametrize(
    "names",
    [["a", "a/b.csv"], ["a/b.csv", "a"], ["x/a", "x/a/b/c.csv"], ["./list.csv", "list.csv"], ["d\\e.csv", "d/e.csv"]],
)
def test_clashing_member_names_refused(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], names: list[str]
) -> None:
    z = tmp_path / "clash.zip"
    z.write_bytes(_zip([(n, (HEADER + GOOD).encode()) for n in names]))
    err = expect_refused(case_dir, capsys, [z, "--holder", "甲"], "clash.zip", "已拒绝整个压缩包")
    assert "Traceback" not in err and "FileExistsError" not in err


def test_encrypted_member_is_a_clear_error(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bytearray(_zip([("list.csv", (HEADER + GOOD).encode())], zipfile.ZIP_STORED))
    # set the "encrypted" flag in the local header and the central directory
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.find(sig)
        flag_at = at + (6 if sig == b"PK\x03\x04" else 8)
        data[flag_at] |= 1
    z = tmp_path / "locked.zip"
    z.write_bytes(bytes(data))
    expect_refused(case_dir, capsys, [z, "--holder", "甲"], "locked.zip", "加密")


def test_distinct_members_in_folders_are_fine(case_dir: Path, tmp_path: Path) -> None:
    z = tmp_path / "ok.zip"
    z.write_bytes(
        _zip([("a/list.csv", (HEADER + GOOD).encode()), ("b/list.csv", (HEADER + GOOD.replace("30", "31")).encode())])
    )
    assert cli("ingest", case_dir, z, "--holder", "甲") == 0
    assert query(case_dir, "SELECT count(*) FROM calls") == [(2,)]


def test_member_without_a_name_is_refused(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Found by bench/fuzz.py: zipfile's is_dir() raised IndexError on an empty member name."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ok.csv", HEADER + GOOD)
        zf.writestr(zipfile.ZipInfo(""), HEADER + GOOD)
    z = tmp_path / "noname.zip"
    z.write_bytes(buf.getvalue())
    expect_refused(case_dir, capsys, [z, "--holder", "甲"], "noname.zip", "没有名字")
