"""The investigator's path and the viewer's limits in a real browser (chromium driven by Playwright)."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import xlsxwriter
from faker import Faker
from playwright.sync_api import Dialog, FilePayload, Page, expect

from tests.report.conftest import SHA_SMS
from tests.web.browser.conftest import HOSTILE_SMS, Server, Shots, sign_in

HOLDER = "东湖某某信息咨询有限公司"


def _calls_csv(fake: Faker) -> bytes:
    lines = ["主叫,被叫号码,开始时间,通话时长,通话内容"]
    caller = "170" + fake.numerify("########")
    for i in range(12):
        lines.append(f"{caller},{fake.phone_number()},2025/7/{10 + i % 5} 9:{i:02d},{30 + i},您好，这里是信贷中心，低息贷款了解一下")
    return ("\n".join(lines) + "\n").encode("gbk")


def _customers_xlsx(fake: Faker) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("客户名单")
    ws.write_row(0, 0, ["姓名", "手机号", "身份证号"])
    for r in range(1, 9):
        ws.write_row(r, 0, [fake.name(), fake.phone_number(), fake.ssn()])
    wb.close()
    return buf.getvalue()


def _wait_job_done(page: Page) -> None:
    expect(page.locator("p.status")).to_have_class(re.compile(r"status-(done|failed)"), timeout=60_000)
    expect(page.locator("p.status")).to_have_class(re.compile("status-done"))


def test_investigator_path(page: Page, server: Server, shots: Shots) -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(17)
    sign_in(page, "lead")
    shots("cases")

    # A new case, and evidence uploaded into it through the form: a GBK call log and a customer list.
    page.click("a[href='/cases/new']")
    page.fill("input[name=name]", "浏览器测试案")
    page.fill("input[name=agency]", "测试局")
    shots("new-case")
    page.click("form[action='/cases/new'] button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/[^/]+$"))
    expect(page.locator("h1")).to_have_text("案件概览")
    shots("new-case-overview")
    page.click("nav a[href$='/upload']")
    page.fill("input[name=holder]", HOLDER)
    page.fill("input[name=site]", "武汉市东湖区某路 1 号")
    uploads: list[FilePayload] = [
        {"name": "外呼记录.csv", "mimeType": "text/csv", "buffer": _calls_csv(fake)},
        {"name": "客户名单.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": _customers_xlsx(fake)},
    ]
    page.set_input_files("input[name=files]", uploads)
    shots("upload")
    page.click("form.upload button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/"))
    _wait_job_done(page)
    files = page.locator("ol.files")
    expect(files).to_contain_text("外呼记录.csv: 导入 12 行，类型 calls")
    expect(files).to_contain_text("gb")  # the encoding found (gb18030/gbk)
    expect(files).to_contain_text("客户名单.xlsx［客户名单］: 导入 8 行，类型 customers")
    expect(page.locator("ol.files .error")).to_have_count(0)
    shots("intake-results")

    # A row of the call log beside the same row of the GBK file as seized, masked on both sides.
    page.click("nav a[href$='/evidence']")
    page.click("a:has-text('外呼记录.csv')")
    page.click("a:has-text('（CSV）')")
    page.locator("table.rows tbody tr").nth(2).locator("td a").first.click()
    page.wait_for_url(re.compile(r"/rows/4$"))
    original = page.locator("table.original")
    expect(original.locator("th")).to_contain_text(["列", "表头", "单元格", "主叫", "被叫号码", "开始时间", "通话时长", "通话内容"])
    expect(original).to_contain_text("2025/7/12 9:02")  # the file's own text, not the normalised timestamp
    assert not re.search(r"1\d{10}", original.inner_text())  # numbers masked
    shots("row-beside-original")

    # From the analysis on, the small demo case: a two-file upload gives no charge to review.
    page.goto(f"/cases/{quote(server.demo)}")
    shots("demo-overview")
    page.click("form[action$='/analyze'] button")
    page.wait_for_url(re.compile(r"/jobs/"))
    _wait_job_done(page)
    expect(page.locator("ol.steps li.step-done").first).to_be_visible()
    shots("analysis-done")
    page.click("a:has-text('查看案件概览与指控')")
    rows = page.locator("table tbody tr")
    holder = ""
    for i in range(rows.count()):
        if int(rows.nth(i).locator("td").nth(3).inner_text() or 0) > 0:
            link = rows.nth(i).locator("td").nth(1).locator("a")
            holder = link.inner_text()
            link.click()
            break
    assert holder, "no party with charges on the demo's overview"
    expect(page.locator("h1")).to_have_text(holder)
    shots("party")

    review = page.locator("form.review").first
    charge_id = review.locator("xpath=ancestor::section").get_attribute("id")
    review.locator("input[name=reason]").fill("证据充分，浏览器测试确认")
    review.locator("button[value=confirm]").click()
    section = page.locator(f"section.charge[id='{charge_id}']")
    expect(section.locator("p.status")).to_contain_text("lead: 证据充分，浏览器测试确认")
    expect(section.locator("p.status")).to_have_class(re.compile("status-confirmed"))
    shots("charge-confirmed")

    # The case file: built in the background, then downloaded as an attachment.
    page.click("nav a[href$='/reports']")
    for box in page.locator("input[name=formats]").all():
        box.set_checked(box.get_attribute("value") == "html")
    shots("reports")
    page.click("form[action$='/reports'] button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/"))
    _wait_job_done(page)
    shots("report-done")
    page.click("a:has-text('下载报告')")
    link = page.locator("table a[href*='/reports/']", has_text=re.compile(r"\.html$")).first
    shots("reports-ready")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".html")
    body = open(download.path(), encoding="utf-8").read()
    assert holder in body and "证据充分，浏览器测试确认" in body

    # The case lead asks for the case file with PI revealed: a reason, a job, then a "-revealed" file.
    reveal = page.locator("form[action$='/reports/reveal']")
    for box in reveal.locator("input[name=formats]").all():
        box.set_checked(box.get_attribute("value") == "html")
    reveal.locator("input[name=reason]").fill("浏览器测试：移送法院的证据目录")
    reveal.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/jobs/"))
    expect(page.locator("strong.warn")).to_contain_text("含完整个人信息")
    _wait_job_done(page)
    page.click("a:has-text('下载报告')")
    revealed = page.locator("table a[href*='/reports/']", has_text=re.compile(r"-revealed\.html$")).first
    shots("reports-revealed")
    with page.expect_download() as info:
        revealed.click()
    assert info.value.suggested_filename.endswith("-revealed.html")


def test_viewer_sees_no_review_and_hostile_text_stays_text(page: Page, server: Server, shots: Shots) -> None:
    dialogs: list[str] = []

    def on_dialog(d: Dialog) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    problems: list[str] = []  # script errors and CSP refusals: the vendored graph library must run under the CSP
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    sign_in(page, "viewer")
    shots("cases")
    page.goto(f"/cases/{quote(server.demo)}")
    expect(page.locator("form[action$='/analyze']")).to_have_count(0)

    # The chain as an interactive graph: every node of the case's chain.json placed on a canvas.
    data = page.request.get(f"/cases/{quote(server.demo)}/chain.json").json()
    assert len(data["nodes"]) > 5 and data["edges"]
    graph = page.locator("#chain-graph")
    expect(graph).to_have_attribute("data-drawn-nodes", str(len(data["nodes"])), timeout=15_000)
    canvas = graph.locator("canvas")
    expect(canvas).to_have_count(1)
    box = canvas.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    # Nodes are drawn in their role's colour: the canvas pixels close to each role's colour.
    layers = sorted({n["layer"] for n in data["nodes"]})
    counts = graph.evaluate("""(el, colours) => {
        const c = el.querySelector("canvas"), px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        const rgb = colours.map(h => [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16)));
        const n = rgb.map(() => 0);
        for (let i = 0; i < px.length; i += 4) {
            rgb.forEach((col, k) => {
                if (Math.abs(px[i] - col[0]) + Math.abs(px[i + 1] - col[1]) + Math.abs(px[i + 2] - col[2]) < 24) n[k]++;
            });
        }
        return n;
    }""", [data["roles"][k]["color"] for k in layers])
    for layer, n in zip(layers, counts, strict=True):
        assert n > 20, (data["roles"][layer], counts)
    legend = page.locator("#chain-legend li")
    expect(legend.first).to_be_visible()
    assert legend.count() >= len({n["layer"] for n in data["nodes"]})
    expect(page.locator("img.chart")).to_have_count(2)
    for img in page.locator("img.chart").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    shots("overview")
    # A click on a party's node opens its page.
    party = next(n for n in data["nodes"] if n["id"].startswith("holder:") and n["href"])
    at = graph.evaluate("""(el, id) => {
        const net = el.qlNetwork;
        net.focus(id, {scale: 1.2, animation: false});
        const at = net.canvasToDOM(net.getPositions([id])[id]);
        return {x: at.x, y: at.y, hit: net.getNodeAt(at)};
    }""", party["id"])
    assert at["hit"] == party["id"], at
    graph.scroll_into_view_if_needed()
    box = graph.bounding_box()
    assert box
    page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
    page.wait_for_url(re.compile(r"/party\?holder="))
    expect(page.locator("h1")).to_have_text(party["id"].removeprefix("holder:"))
    shots("party-from-graph")
    assert problems == [], problems
    page.goto(f"/cases/{quote(server.demo)}")
    page.locator("table tbody tr td:nth-child(2) a").first.click()
    expect(page.locator("section.charge").first).to_be_visible()
    expect(page.locator("form.review")).to_have_count(0)
    expect(page.locator("button[value=confirm]")).to_have_count(0)
    shots("party")

    page.goto(f"/cases/{quote(server.hostile)}/search?q=" + quote("低息贷款"))
    hit = page.locator("#results", has_text="<script>")
    expect(hit).to_be_visible()
    # The tag is text in the page, not an element.
    expect(page.locator("#results script")).to_have_count(0)
    assert HOSTILE_SMS in page.locator("#results").inner_text()
    shots("search-hostile")
    page.fill("#q", "script")  # htmx re-renders the results as one types
    expect(page.locator("#results mark", has_text="script").first).to_be_visible()
    expect(page.locator("#results")).to_contain_text("alert('x')")
    expect(page.locator("#results script")).to_have_count(0)
    shots("search-typed")
    assert dialogs == [], f"a script from the case ran: {dialogs}"
    assert HOSTILE_SMS in page.locator("#results").inner_text()

    # The rows page's filters: the form puts them in the URL; the <script> SMS found is text there too.
    page.goto(f"/cases/{quote(server.hostile)}/evidence/{SHA_SMS}")
    page.locator("a[href*='/sheets/']").first.click()
    expect(page.locator("input[name=number]")).to_have_count(0)  # not offered to a viewer
    page.fill("form.filters input[name=q]", "script")
    page.select_option("form.filters select[name=finding]", "")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"[?&]q=script"))
    expect(page.locator("table.rows tbody tr")).to_have_count(1)
    expect(page.locator("table.rows")).to_contain_text("<script>alert('x')</script>")
    expect(page.locator("table.rows script")).to_have_count(0)
    shots("rows-filtered")
    assert dialogs == [], f"a script from the case ran: {dialogs}"


def test_inspection_day_operation(page: Page, server: Server, shots: Shots) -> None:
    sign_in(page, "lead")
    page.goto(f"/cases/{quote(server.demo)}")
    page.click("nav a[href$='/operation']")
    expect(page.locator("h1")).to_contain_text("检查行动看板")
    shots("board-empty")

    # Two sites from the ranking, each with the holder's site and district as the form offers them.
    page.click("a[href$='/operation/plan']")
    expect(page.locator("h1")).to_have_text("安排检查行动")
    rows = page.locator("form[action$='/operation/plan'] tbody tr").filter(has=page.locator("input[name=pick]"))
    assert rows.count() >= 2, "the demo's ranking offers fewer than two holders to plan"
    holders = []
    for i in range(2):
        row = rows.nth(i)
        holders.append(row.locator("input[name=holder]").get_attribute("value") or "")
        row.locator("input[name=pick]").check()
    assert all(holders)
    page.fill("input[name=name]", "浏览器测试行动")
    shots("plan")
    page.click("form[action$='/operation/plan'] button[type=submit]")
    page.wait_for_url(re.compile(r"/operation(#.*)?$"))
    expect(page.locator("h1")).to_contain_text("浏览器测试行动")
    for h in holders:
        expect(page.locator("tr.site td:nth-child(2) a", has_text=h).first).to_be_visible()
    shots("board-planned")

    # A team of the lead and an investigator on the first site.
    row = page.locator("tr.site").filter(has=page.get_by_role("link", name=holders[0], exact=True))
    site = f"#{row.get_attribute('id')}"
    options = row.locator("select[name=user_id] option")
    expect(options).to_have_count(2)  # the viewer may not go on a site
    row.locator("select[name=user_id]").select_option(label=["lead (case_lead)", "officer (investigator)"])
    row.locator("form[action$='/team'] button[type=submit]").click()
    team = page.locator(f"{site} td:nth-child(4)")
    expect(team).to_contain_text("lead、officer")
    shots("board-team")

    # The site's packet, printed as a PDF attachment.
    with page.expect_download() as info:
        page.locator(f"{site} a[href$='/packet.pdf']").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"

    # Through the day: on site, then done.
    for status, name in (("on_site", "已到场"), ("done", "已完成")):
        page.locator(f"{site} select[name=status]").select_option(status)
        page.locator(f"{site} form[action$='/status'] button[type=submit]").click()
        expect(page.locator(site)).to_have_class(re.compile(f"status-{status}"))
        expect(page.locator(f"{site} td:nth-child(5)")).to_contain_text(name)
        shots(f"board-{status.replace('_', '-')}")
    expect(page.locator(f"{site} td:nth-child(6)")).to_contain_text("lead")
    expect(page.locator("p.note").first).to_contain_text("已完成: 1")
    # The other site is untouched.
    other = page.locator("tr.site").filter(has=page.get_by_role("link", name=holders[1], exact=True))
    expect(other).to_have_class(re.compile("status-not_started"))
