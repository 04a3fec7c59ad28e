"""The case file end to end: citations resolve, PI stays masked, the PDF embeds a CJK font, FtM loads."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qinglian.cli import run
from qinglian.errors import QinglianError
from qinglian.report.run import ReportOptions, build_report
from qinglian.store import custody
from qinglian.store.case import init_case, open_case
from qinglian.store.schema import KINDS
from qinglian.store.sqlident import quote_ident
from tests.helpers import insert
from tests.report.conftest import (
    CONSUMERS,
    HOLDER_A,
    HOLDER_B,
    SHA_CALLS_B,
    SHA_SMS,
    add_other_tables,
    populate,
)

MOBILE = re.compile(r"1[3-9]\d{9}")
CITE = re.compile(
    r'<span class="cite( unresolved)?" data-kind="([^"]*)" data-sha="([^"]*)" data-sheet="([^"]*)" '
    r'data-row="([^"]*)">'
)


def _new_case(root: Path, full: bool = True) -> Path:
    init_case(root, "测试案件", "测试局", user="tester")
    populate(root)
    if full:
        add_other_tables(root)
    return root


@pytest.fixture(scope="module")
def masked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All four formats of the full case, masked (built once: the PDF takes a while)."""
    root = _new_case(tmp_path_factory.mktemp("masked") / "case")
    paths = build_report(root, ReportOptions(user="tester"))
    return {"case": root, **{p.suffix.lstrip("."): p for p in paths}}


@pytest.fixture(scope="module")
def revealed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = _new_case(tmp_path_factory.mktemp("revealed") / "case")
    paths = build_report(root, ReportOptions(formats=("html", "xlsx", "ftm"), reveal=True, user="tester",
                                             reason="测试：核对原始号码"))
    return {"case": root, **{p.suffix.lstrip("."): p for p in paths}}


def row_exists(case_root: Path, kind: str, sha: str, sheet: str | None, row_no: int) -> bool:
    with open_case(case_root).connect(read_only=True) as con:
        row = con.execute(
            f"SELECT count(*) FROM {quote_ident(kind)} WHERE starts_with(evidence_sha256, ?) "
            "AND sheet IS NOT DISTINCT FROM ? AND row_no = ?",
            [sha, sheet, row_no],
        ).fetchone()
    return bool(row and row[0])


def xlsx_cells(path: Path) -> Iterator[tuple[str, list[Any]]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            yield ws.title, list(row)


def xlsx_text(path: Path) -> str:
    """Every XML part of the workbook, as text (what a scanner of the file would see)."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


# ---- citations --------------------------------------------------------------------------------


def test_every_html_citation_resolves_to_an_evidence_row(masked: dict[str, Path]) -> None:
    html = masked["html"].read_text(encoding="utf-8")
    cites = CITE.findall(html)
    assert len(cites) >= 2  # the charge's representative row and the lead's sample
    for bad, kind, sha, sheet, row in cites:
        # a lead's sample names no record kind: it must exist in one of them
        assert not bad
        assert any(row_exists(masked["case"], k, sha.replace("-", ""), sheet or None, int(row))
                   for k in ([kind] if kind else KINDS)), (kind, sha[:12], sheet, row)


def test_every_xlsx_finding_row_resolves(masked: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(masked["xlsx"], read_only=True)
    finding_sheets = [ws for ws in wb.worksheets if ws.title.startswith("发现-")]
    assert len(finding_sheets) >= 4
    checked = 0
    for ws in finding_sheets:
        rows = list(ws.iter_rows(values_only=True))
        head = list(rows[0])
        i_kind, i_sha = head.index("记录类型"), head.index("证据 SHA-256 前 12 位")
        i_sheet, i_row, i_ok = head.index("工作表"), head.index("行号"), head.index("出处可解析")
        kinds = {"通话记录": "calls", "短信发送记录": "sms", "聊天记录": "chats", "付款记录": "payments"}
        for r in rows[1:]:
            sha = r[i_sha].replace("-", "")  # digit runs in a hash are printed cut (hash_text)
            assert len(sha) == 12
            exists = row_exists(masked["case"], kinds[r[i_kind]], sha, r[i_sheet], int(r[i_row]))
            assert exists == (r[i_ok] == "是")
            checked += 1
    assert checked == 6  # five text findings and the payment memo's bribery finding


def test_hits_are_in_the_xlsx_and_the_case_file_quotes_charges(masked: dict[str, Path]) -> None:
    text = xlsx_text(masked["xlsx"])
    for hit in ("工商银行", "不看征信", "好处费"):
        assert hit in text
    html = masked["html"].read_text(encoding="utf-8")
    assert "139****5678" in html  # the number inside the charge's quoted transcript, masked in place


# ---- privacy ----------------------------------------------------------------------------------


def test_no_unmasked_mobile_without_reveal(masked: dict[str, Path]) -> None:
    html = masked["html"].read_text(encoding="utf-8")
    ftm = masked["jsonl"].read_text(encoding="utf-8")
    assert MOBILE.findall(html) == []
    assert MOBILE.findall(ftm) == []
    assert MOBILE.findall(xlsx_text(masked["xlsx"])) == []
    for text in (html, xlsx_text(masked["xlsx"])):
        assert "139****5678" in text  # the number inside the quoted transcript
    assert "170****5678" in xlsx_text(masked["xlsx"])  # the flagged calling number of behaviour_numbers
    entries = custody.read_entries(masked["case"] / "custody.jsonl")
    assert entries[-1]["action"] == "report"
    assert not any(e["action"] == "report.reveal" for e in entries)


def test_reveal_shows_numbers_and_is_logged(revealed: dict[str, Path]) -> None:
    for text in (revealed["html"].read_text(encoding="utf-8"), xlsx_text(revealed["xlsx"])):
        assert "13912345678" in text
    assert "17012345678" in xlsx_text(revealed["xlsx"])
    assert CONSUMERS[0] in revealed["jsonl"].read_text(encoding="utf-8")
    assert "-revealed" in revealed["html"].name
    entries = custody.read_entries(revealed["case"] / "custody.jsonl")
    first, last = entries[-2], entries[-1]
    # the reveal, with who and why, is logged before any revealed file is written
    assert first["action"] == "report.reveal" and first["user"] == "tester"
    assert first["args"]["reason"] == "测试：核对原始号码"
    assert set(first["details"]["files"]) == {
        revealed["html"].name, revealed["xlsx"].name, revealed["jsonl"].name}
    assert last["action"] == "report" and last["args"]["reveal"] is True
    assert {o["file"] for o in last["details"]["outputs"]} == {
        revealed["html"].name, revealed["xlsx"].name, revealed["jsonl"].name}
    for p in (revealed["html"], revealed["xlsx"], revealed["jsonl"]):
        assert p.stat().st_mode & 0o777 == 0o600


# ---- PDF --------------------------------------------------------------------------------------


def test_pdf_embeds_a_cjk_font(masked: dict[str, Path]) -> None:
    pdffonts = shutil.which("pdffonts")
    assert pdffonts, "pdffonts (poppler-utils) is required: make sysdeps installs it"
    out = subprocess.run([pdffonts, str(masked["pdf"])], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in out.splitlines() if re.search(r"CJK|WenQuanYi|wqy|Hei|Han", line, re.I)]
    assert cjk, out
    # columns: name type encoding emb sub uni ...; every CJK font is embedded
    for line in cjk:
        cols = line.split()
        assert cols[-5] == "yes", line


# ---- FtM --------------------------------------------------------------------------------------


def _ftm_entities(path: Path) -> list[Any]:
    from followthemoney import model

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        proxy = model.get_proxy(data, cleaned=False)
        proxy.schema.validate(data)  # raises InvalidData on a bad value
        # the export writes values as FtM's own cleaning would make them
        assert proxy.to_dict()["properties"] == data["properties"], data["id"]
        for req in proxy.schema.required:
            assert proxy.get(req), (proxy.schema.name, req)
        out.append(proxy)
    return out


def test_ftm_export_validates_and_numbers_are_e164(revealed: dict[str, Path]) -> None:
    entities = _ftm_entities(revealed["jsonl"])
    by_schema: dict[str, int] = {}
    for e in entities:
        by_schema[e.schema.name] = by_schema.get(e.schema.name, 0) + 1
    for schema in ("Call", "Message", "Company", "Person", "Payment", "Document", "Note", "UnknownLink"):
        assert by_schema.get(schema), (schema, by_schema)
    ids = {e.id for e in entities}
    phones = 0
    for e in entities:
        for prop, value in e.itervalues():
            if prop.type.name == "phone":
                assert re.fullmatch(r"\+86\d{11}", value), value
                phones += 1
            if prop.type.name == "entity":
                assert value in ids, (e.schema.name, prop.name)
    assert phones >= 30
    assert by_schema["Call"] == 31


def test_ftm_masked_has_no_numbers_but_keeps_the_records(masked: dict[str, Path]) -> None:
    entities = _ftm_entities(masked["jsonl"])
    assert sum(1 for e in entities if e.schema.name == "Call") == 31
    assert not [v for e in entities for p, v in e.itervalues() if p.type.name == "phone"]


# ---- XLSX -------------------------------------------------------------------------------------


def test_xlsx_neutralises_formula_injection(masked: dict[str, Path]) -> None:
    values = [v for _, row in xlsx_cells(masked["xlsx"]) for v in row if isinstance(v, str)]
    assert "'=HYPERLINK(\"http://x\")" in values
    assert not [v for v in values if v[:1] in ("=", "+", "-", "@")]
    assert "<f>" not in xlsx_text(masked["xlsx"])  # no formula cell anywhere


def test_xlsx_has_one_sheet_per_finding_type(masked: dict[str, Path]) -> None:
    titles = {t for t, _ in xlsx_cells(masked["xlsx"])}
    assert {"发现-冒充银行_机构-text", "发现-虚假承诺-text", "发现-商业贿赂-text", "发现-贷款营销-text"} <= titles
    assert {"概要", "每日通话短信", "付款", "pi_inventory", "behaviour_numbers", "leak_clusters"} <= titles
    # reasons with evidence are numbered lines with their citations, not JSON
    targets = [row for t, row in xlsx_cells(masked["xlsx"]) if t == "targets"]
    cells = [v for row in targets for v in row if isinstance(v, str) and "3 宗投诉" in v]
    assert cells and cells[0].startswith("1. 3 宗投诉指向该单位（证据：") and "\n2. 供应商账户表" in cells[0]
    assert "第 77 行" in cells[0] and "reason_zh" not in cells[0]


def test_xlsx_opens_with_the_summary_and_the_charges(masked: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    # the workbook's heavy sheets are made first (the case file is gathered meanwhile), shown after
    titles = load_workbook(masked["xlsx"], read_only=True).sheetnames
    assert titles[:4] == ["概要", "违法事实", "代表性证据", "证据清单"]


def test_a_case_file_that_cannot_be_gathered_leaves_no_appendix_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qinglian.report import casefile

    root = _new_case(tmp_path / "case")

    def fails(*args: object, **kwargs: object) -> None:
        raise QinglianError("汇总失败（测试）", "gathering failed (test)")

    monkeypatch.setattr(casefile, "gather_casefile", fails)
    with pytest.raises(QinglianError, match="汇总失败"):
        build_report(root, ReportOptions(formats=("html", "xlsx"), user="tester"))
    # the XLSX worker, started before the gathering, gave up: nothing written, nothing half-written
    left = list((root / "reports").iterdir()) if (root / "reports").exists() else []
    assert not [p for p in left if p.suffix == ".xlsx" or p.name.endswith(".tmp")], left


# ---- what ran and what did not ------------------------------------------------------------------


def test_report_refuses_a_case_whose_stages_did_not_run(case_dir: Path) -> None:
    with open_case(case_dir).connect() as con:  # records only: no stage has run
        insert(con, "payments", [{"holder": HOLDER_A, "evidence_sha256": SHA_SMS, "row_no": 2,
                                  "payer": HOLDER_A, "amount": 1.0}])
    with pytest.raises(QinglianError) as err:
        build_report(case_dir, ReportOptions(formats=("html",)))
    assert "尚未完成分析" in err.value.zh and "pi_inventory" in err.value.zh
    assert "qinglian analyze" in (err.value.hint_zh or "")
    assert not list((case_dir / "reports").glob("*.html"))


def test_report_lists_the_runs_of_the_stages(case_dir: Path) -> None:
    populate(case_dir)
    (path,) = build_report(case_dir, ReportOptions(formats=("html",)))
    html = path.read_text(encoding="utf-8")
    assert "<td>text</td><td>0.1.0</td>" in html and "rules-2025.07" in html  # version and rules
    assert "未运行" not in html


def test_full_case_shows_the_other_analyses(masked: dict[str, Path]) -> None:
    html = masked["html"].read_text(encoding="utf-8")
    assert "情节特别严重" in html  # 600 credit records >= 10 x 50
    assert "<td>behaviour</td><td>0.2.0</td>" in html
    assert "<svg" in html and "泄露源" in html  # the chain and the daily chart
    assert "检查目标排序第 1 位" in html
    # the analyses' own tables are appendices of the XLSX
    from openpyxl import load_workbook

    titles = {ws.title for ws in load_workbook(masked["xlsx"], read_only=True).worksheets}
    assert {"intent_grades", "targets", "resolution", "cross_case_overlaps", "违法事实", "证据清单"} <= titles
    assert "孟杨" not in xlsx_text(masked["xlsx"])


def test_html_is_self_contained(masked: dict[str, Path]) -> None:
    html = masked["html"].read_text(encoding="utf-8")
    for pattern in (r'\bsrc="(?!data:)', r"<link\b", r"@import", r'href="(?!#)'):
        assert not re.search(pattern, html), pattern
    assert re.search(r"https?://", re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)) is None


# ---- scoping, caps and the command ---------------------------------------------------------------


def test_holder_report_only_cites_that_holder(case_dir: Path) -> None:
    populate(case_dir)
    add_other_tables(case_dir)
    (path,) = build_report(case_dir, ReportOptions(holder=HOLDER_B, formats=("html",)))
    html = path.read_text(encoding="utf-8")
    shas = {sha.replace("-", "") for _, _, sha, _, _ in CITE.findall(html)}
    assert shas == {SHA_CALLS_B}  # the sample of its lead
    assert HOLDER_A not in html
    assert HOLDER_B in path.name or "单位材料-" in path.name


def test_cli_report_prints_paths_and_rejects_bad_input(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    populate(case_dir)
    assert run(["report", str(case_dir), "--format", "html,xlsx", "--user", "tester"]) == 0
    printed = capsys.readouterr().out
    assert "案件材料.html" in printed and "案件材料.xlsx" in printed
    assert (case_dir / "reports" / "案件材料.xlsx").exists()
    assert run(["report", str(case_dir), "--format", "doc"]) == 2
    assert "不支持的报告格式" in capsys.readouterr().err
    assert run(["report", str(case_dir), "--holder", "不存在的公司", "--format", "html"]) == 2
    assert "没有这个被检查单位" in capsys.readouterr().err


def test_a_party_with_charges_has_a_chapter(masked: dict[str, Path]) -> None:
    html = masked["html"].read_text(encoding="utf-8")
    assert f'<h3 class="party">2.1 {HOLDER_A}' in html and f'<h3 class="party">2.2 {HOLDER_B}' not in html


def test_provisions_cite_the_text_in_force_at_the_conduct(masked: dict[str, Path]) -> None:
    html = masked["html"].read_text(encoding="utf-8")
    # the charge cites the text in force at its conduct, as the charges stage stored it
    assert "中华人民共和国反不正当竞争法（2019）第六条" in html and "附录一：引用条款及罚则" in html
    # findings in the XLSX keep their catalog ids
    text = xlsx_text(masked["xlsx"])
    assert "aucl.bribery" in text and "pipl.10,aucl.confusion" in text
