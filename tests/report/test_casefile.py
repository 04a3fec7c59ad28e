"""The case file built around charges: the summary page, leads kept apart, drafts, page count, sheets."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

from qinglian.report.casefile import gather_casefile
from qinglian.report.html import render_casefile
from qinglian.report.run import ReportOptions, build_report
from qinglian.report.xlsx import Book
from qinglian.store.case import init_case, open_case
from tests.report.conftest import (
    FACTS_IMPERSONATION,
    HOLDER_A,
    HOLDER_B,
    IMPERSONATION,
    LEAD_B,
    PI_CHARGE,
    PROVISION_IMPERSONATION,
    add_other_tables,
    populate,
)

# The PDF of a small demo (every party of the demo, scale 0.02) stays within this many pages.
SMALL_DEMO_PAGES = 80


def section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}">')
    return html[start:html.index("</section>\n\n<section", start + 1) if name != "appendix" else None]


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("casefile") / "case"
    init_case(root, "测试案件", "测试局", user="tester")
    populate(root)
    add_other_tables(root)
    return root


@pytest.fixture(scope="module")
def page(case: Path) -> str:
    with open_case(case).connect(read_only=True) as con:
        return render_casefile(gather_casefile(con, case_name="测试案件", agency="测试局"))


def test_summary_page_lists_the_charges_of_each_party(page: str) -> None:
    summary = section(page, "summary")
    row = next(r for r in summary.split("<tr>") if HOLDER_A in r)
    assert "冒充银行等金融机构或公共机构" in row and "非法获取、持有消费者个人信息" in row
    # a party with a lead only is named apart, not in the table of parties with charges
    table = summary[summary.index('<table class="parties">'):summary.index("</table>", summary.index('class="parties"'))]
    assert HOLDER_B not in table
    assert "涉嫌犯罪、拟移送" in summary and "<svg" in summary


def test_a_lead_never_appears_as_a_charge(page: str, case: Path) -> None:
    for name in ("summary", "parties", "drafts"):
        text = section(page, name)
        assert LEAD_B not in text and "只有弱诈骗特征一项" not in text
    leads = section(page, "leads")
    assert "只有弱诈骗特征一项" in leads and HOLDER_B in leads and "不作为违法事实引用" in leads
    paths = build_report(case, ReportOptions(formats=("xlsx",), user="tester"))
    wb = openpyxl.load_workbook(paths[0], read_only=True)
    charges = "\n".join(str(c) for r in wb["违法事实"].iter_rows(values_only=True) for c in r)
    assert IMPERSONATION in charges and LEAD_B not in charges
    leads_sheet = "\n".join(str(c) for r in wb["线索（非违法认定）"].iter_rows(values_only=True) for c in r)
    assert LEAD_B in leads_sheet and IMPERSONATION not in leads_sheet


def test_party_chapter_has_charges_evidence_list_and_masked_quotes(page: str) -> None:
    parties = section(page, "parties")
    assert FACTS_IMPERSONATION in parties and PROVISION_IMPERSONATION.removeprefix("中华人民共和国") in parties
    assert "外呼记录.xlsx" in parties and "aaaaaaaaaaaa" in parties  # the evidence list: file and hash prefix
    assert "13912345678" not in page and "139****5678" in parties
    assert "征信信息" in parties  # PI by category with its threshold


def test_drafts_name_the_party_the_provision_and_the_facts(page: str) -> None:
    drafts = section(page, "drafts")
    decision = drafts[drafts.index("行政处罚决定书"):drafts.index("</div>")]
    for part in ("当事人", "违法事实", "证据", "违反的法律条款", "处罚依据"):
        assert part in decision
    assert HOLDER_A in decision and FACTS_IMPERSONATION in decision and PROVISION_IMPERSONATION in decision
    referral = drafts[drafts.index("涉嫌犯罪案件移送书"):]
    assert HOLDER_A in referral and "第二百五十三条之一" in referral and HOLDER_B not in drafts
    assert PI_CHARGE not in drafts  # ids are for the reviewers, not in the letters


def test_xlsx_sheets_never_exceed_the_row_limit(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    book = Book(path, max_rows=10)
    n = book.table("发现", ["a", "b"], ([i, f"x{i}"] for i in range(35)), note="说明")
    book.close()
    assert n == 35
    wb = openpyxl.load_workbook(path, read_only=True)
    sheets = [ws for ws in wb.worksheets if ws.title.startswith("发现")]
    assert len(sheets) == 5
    values = []
    for ws in sheets:
        rows = list(ws.iter_rows(values_only=True))
        assert len(rows) <= 10 and rows[1] == ("a", "b")
        values += [r[0] for r in rows[2:]]
    assert values == list(range(35))


def test_pdf_of_a_small_demo_is_tens_of_pages(tmp_path: Path) -> None:
    from qinglian.charges import build_charges
    from qinglian.demo.run import run_demo

    out = tmp_path / "demo"
    run_demo(out, seed=7, scale=0.02, force=True, report=False)
    case = open_case(out / "case")
    with case.connect() as con:
        row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'charges'").fetchone()
        if not row or not row[0]:
            build_charges(case, con)
    pdf = build_report(out / "case", ReportOptions(formats=("pdf",)))[0]
    # pdfinfo comes with poppler-utils, which `make sysdeps` installs for the PDF tests
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"Pages:\s+(\d+)", info)
    assert found, info
    pages = int(found.group(1))
    assert 1 < pages <= SMALL_DEMO_PAGES
    # the chain and the daily charts are pictures in the PDF, at most a page wide
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    drawn = [line.split() for line in images.splitlines()[2:] if line.split()[2:3] == ["image"]]
    assert len(drawn) >= 2, images
    assert all(int(d[3]) <= 2000 for d in drawn)
