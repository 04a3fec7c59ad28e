"""Reading the case for the inspection-day operation: the ranked targets with their usual site and
district, and the per-site packet (PDF through WeasyPrint, PI masked)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from qinglian.charges.review import STATUS_ZH as CHARGE_STATUS_ZH
from qinglian.errors import QinglianError
from qinglian.report.pdf import cjk_font_installed
from qinglian.store.case import Case
from qinglian.web import reads
from qinglian.web.operation_db import STATUS_EN, STATUS_ZH, OperationSite
from qinglian.web.render import env, translator

# A district or county after the city: 演示市东湖区… -> 东湖区 (sites are free text as typed at intake).
_DISTRICT = re.compile(r"(?:^|市)((?:(?![市省])[\u4e00-\u9fff]){1,4}?[区县旗])")
REGISTER_ROWS = 18  # blank rows in the evidence register


@dataclass(frozen=True)
class Candidate:
    holder: str
    rank: int
    score: float | None
    site: str
    district: str
    reasons: str  # JSON, as the ranking stored it


def district_of(site: str) -> str:
    found = _DISTRICT.search(site)
    return found.group(1) if found else ""


def candidates(case: Case, phase: str | None = None) -> tuple[str | None, list[Candidate]]:
    """The case's ranking (the phase asked for, else 'before' where there is one: a plan is made
    before the day) with each holder's most used intake site and the district read from it."""
    with case.connect(read_only=True) as con:
        have = reads.present(con)
        if "targets" not in have:
            return None, []
        phases = {str(r[0]) for r in con.execute("SELECT DISTINCT phase FROM targets").fetchall()}
        chosen = phase if phase in phases else ("before" if "before" in phases else ("after" if "after" in phases else None))
        sites: dict[str, str] = {}
        if "record_sheets" in have:
            for holder, site in con.execute(
                    "SELECT holder, arg_max(site, n) FROM (SELECT holder, site, count(*) AS n FROM record_sheets "
                    "WHERE site IS NOT NULL AND site <> '' GROUP BY holder, site) GROUP BY holder").fetchall():
                sites[str(holder)] = str(site)
        rows = con.execute("SELECT holder, rank, score, CAST(reasons AS VARCHAR) FROM targets WHERE phase = ? "
                           "ORDER BY rank", [chosen]).fetchall()
    out = []
    for holder, rank, score, why in rows:
        site = sites.get(str(holder), "")
        # A holder with no site at intake often names its district itself (演示市东湖区…有限公司).
        out.append(Candidate(str(holder), int(rank), float(score) if score is not None else None, site,
                             district_of(site) or district_of(str(holder)), str(why or "[]")))
    return chosen, out


# What to seize and where it usually is, by the kind of computer or record (zh, en).
SEIZE: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (("AI 外呼系统：通话记录 / 话单（CDR）、录音", "AI dialer: call logs / CDR, recordings"),
     ("外呼系统后台“通话记录/话单”导出（xlsx/csv）；坐席电脑浏览器下载目录；录音多在服务器或“录音管理”",
      "the dialer console's call-record export (xlsx/csv); the agents' browser Downloads; recordings on the server or under 'recordings'")),
    (("AI 外呼系统：话术脚本、意向等级", "AI dialer: scripts, intent grades (A/B/C/D)"),
     ("后台“话术管理/流程”、“意向客户/客户分级”导出；桌面上的话术 Word 文件",
      "the console's script / flow pages and 'intent customers' export; script Word files on the desktop")),
    (("短信平台：发送记录、签名、账号列表", "SMS platform: send records, signatures, account list"),
     ("短信平台网页后台“发送记录/状态报告”“签名管理”“子账号”导出；对接接口的配置文件",
      "the SMS console's send records / delivery reports, signature and sub-account pages; API config files")),
    (("客户名单", "Customer lists"),
     ("桌面、下载目录、U 盘、网盘同步目录中的 xlsx/csv（“客户”“名单”“资源”“数据”）",
      "xlsx/csv on the desktop, Downloads, USB drives, cloud-sync folders ('客户', '名单', '资源', '数据')")),
    (("聊天记录", "Chat exports"),
     ("微信/企业微信/QQ 电脑端聊天记录导出；手机上与上游、客户的聊天截图",
      "WeChat / WeCom / QQ desktop exports; phone screenshots of chats with the vendor and customers")),
    (("银行流水、收付款记录", "Bank statements, payments"),
     ("财务电脑网银导出、对公账户流水、支付宝/微信收款记录；纸质凭证拍照",
      "the accounts PC's online-banking exports, company-account statements, Alipay/WeChat receipts; photos of paper vouchers")),
)

CHECKLIST: tuple[tuple[str, str], ...] = (
    ("出示执法证件，告知检查事由，记录到场时间与在场人员", "show warrant cards, state the grounds, note the arrival time and who is present"),
    ("核对营业执照与实际经营地址", "check the business licence against the address"),
    ("先拍照固定电脑屏幕与运行中的系统，再操作", "photograph screens and running systems before touching them"),
    ("逐项导出上表所列数据，计算并记录每个文件的 SHA-256", "export each item listed above; record each file's SHA-256"),
    ("手机：与上游供应商、客户的聊天与通话记录", "phones: chats and calls with the vendor and with customers"),
    ("询问负责人：系统从谁处购买、账号由谁开通、名单来源", "ask the person in charge: who sold the system, who opened the accounts, where the lists came from"),
    ("填写证据登记表，当事人签字确认", "fill in the evidence register; the party signs it"),
    ("现场上传：在工作台中上传到本单位（已预填单位与地点）", "upload on site to this holder in the workspace (holder and site prefilled)"),
)


def _reasons(red_text: Callable[[str | None], str], raw: str) -> list[dict[str, str]]:
    try:
        items = json.loads(raw or "[]")
    except json.JSONDecodeError:
        items = []
    out = []
    for r in items if isinstance(items, list) else []:
        if isinstance(r, dict):
            out.append({"zh": red_text(r.get("reason_zh")) or "", "en": red_text(r.get("reason_en")) or ""})
    return out


def packet_html(case: Case, site: OperationSite, team: list[str], lang: str, operation_name: str,
                day: str) -> str:
    """The packet for one site: target, address, why (ranking reasons, charges, leads; masked), what to
    seize and where, checklist, a blank evidence register."""
    with case.connect(read_only=True) as con:
        red = reads.redactor(case, con)
    party = reads.party(case, site.holder) or {"charges": [], "leads": []}
    status = STATUS_EN if lang == "en" else STATUS_ZH
    return env.get_template("operation/packet.html").render(
        lang=lang, tr=translator(lang), site=site, team=team, operation_name=operation_name, day=day,
        reasons=_reasons(red.text, site.reasons), charges=party["charges"], leads=party["leads"],
        seize=SEIZE, checklist=CHECKLIST, rows=range(1, REGISTER_ROWS + 1), status=status.get(site.status, site.status),
        charge_status={} if lang == "en" else CHARGE_STATUS_ZH,
        printed=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def packet_pdf(html: str) -> bytes:
    if not cjk_font_installed():
        raise QinglianError(
            "系统中没有中文字体，PDF 会显示方框", "no CJK font is installed; the PDF would show boxes",
            hint_zh="以 root 运行 apt-get install fonts-noto-cjk（或 make sysdeps）后重试",
            hint_en="install one as root: apt-get install fonts-noto-cjk (or make sysdeps), then retry")
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf
