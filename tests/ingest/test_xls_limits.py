"""Legacy XLS: the workbook stream is measured before the Excel reader allocates a sheet."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinglian.ingest.readers.xlsguard import sheet_extents, workbook_stream
from tests.helpers import cli, query
from tests.ingest.test_bad_input import expect_refused
from tests.ingest.xls_writer import xls_bytes

ROWS: list[tuple[int, int, float | str]] = [
    (2, 0, "姓名"),
    (2, 1, "手机号"),
    (3, 0, "张三"),
    (3, 1, 13812345678.0),
    (4, 0, "李四"),
    (4, 1, 13912345678.0),
]


def test_xls_is_read(case_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "list.xls"
    f.write_bytes(xls_bytes(ROWS, "名单"))
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT row_no, phone FROM customers ORDER BY row_no") == [
        (4, "+8613812345678"),
        (5, "+8613912345678"),
    ]


@pytest.mark.parametrize("cell", [(65535, 65535), (10, 800), (65535, 600)])
def test_xls_cell_far_away_is_refused_before_parsing(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: tuple[int, int]
) -> None:
    """One cell record at (65535, 65535) makes the reader allocate four billion cells."""
    f = tmp_path / "far.xls"
    f.write_bytes(xls_bytes([*ROWS, (*cell, 1.0)]))
    assert f.stat().st_size < 8192
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "far.xls", "安全限制", f"{cell[1] + 1:,} 列")


def test_xls_extent_counts_multi_cell_records() -> None:
    import struct

    from tests.ingest.xls_writer import biff

    bof = biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    mulrk = biff(0x00BD, struct.pack("<HH", 7, 2) + b"\x00" * 12 + struct.pack("<H", 700))
    assert sheet_extents(bof + mulrk + biff(0x000A)) == [(8, 701)]


@pytest.mark.parametrize("cut", [600, 1100, 1100 + 76, 3000])
def test_xls_damaged_compound_file(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], cut: int
) -> None:
    f = tmp_path / "cut.xls"
    f.write_bytes(xls_bytes(ROWS)[:cut])
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "cut.xls", "损坏")


def test_xls_stream_found_in_compound_file() -> None:
    data = xls_bytes(ROWS)
    stream = workbook_stream(data, "x.xls")
    assert stream.startswith(b"\x09\x08") and sheet_extents(stream) == [(5, 2)]


def test_xls_record_cut_short_is_not_a_traceback(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by bench/fuzz.py: a cell record running past the end of the workbook stream."""
    import struct

    from tests.ingest.xls_writer import biff, compound

    bof = biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    stream = bof + struct.pack("<HH", 0x0203, 14) + b"\x01\x00"
    assert sheet_extents(stream) == []
    f = tmp_path / "short.xls"
    f.write_bytes(compound((bof + b"\x00" * 4000 + struct.pack("<HH", 0x0203, 200)).ljust(4096 + 10, b"\x00")[:4100]))
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "short.xls", "损坏")


def test_xls_mostly_empty_area_is_refused(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Within the column limit, but 65,536 x 301 cells from a 6 KB file."""
    f = tmp_path / "sparse.xls"
    f.write_bytes(xls_bytes([*ROWS, (65535, 300, 1.0)]))
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "sparse.xls", "几乎全空")


def test_xls_panic_in_reader_is_a_clear_error(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by bench/fuzz.py: calamine panics on some damaged files, and pyo3 raises the panic
    as a BaseException that ``except Exception`` lets through."""
    from qinglian.ingest.readers import excel

    class PanicException(BaseException):
        pass

    class Exploding:
        @classmethod
        def from_path(cls, path: str) -> None:
            raise PanicException("range start index 116 out of range")

    monkeypatch.setattr(excel, "CalamineWorkbook", Exploding)
    f = tmp_path / "list.xls"
    f.write_bytes(xls_bytes(ROWS))
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "list.xls", "损坏")
