"""Referral packets: per region a 移送/协查函 draft with counts and a masked evidence extract, as
HTML, PDF and XLSX, under CASE/reports/referrals/.

A packet holds counts and masked extracts only: consumer numbers, calling numbers and people's
names go through the report's masking (``Redactor`` with the case's names); the XLSX goes through
``Book`` (formula neutralising, the case's names masked in every cell).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from qinglian import __version__
from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.report.html import environment
from qinglian.report.pdf import write_pdf
from qinglian.report.privacy import Redactor, case_names, hash_text
from qinglian.report.xlsx import Book

if TYPE_CHECKING:
    from qinglian.link.referrals import Account, Referrals, Region

FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx")
FOLDER = "referrals"

METHOD_ZH: tuple[str, ...] = (
    "账号所在地区：优先采用供应商/平台账号表中的省份（及城市）；账号表未写省份的，采用账号表中的登记地址；"
    "两者均无的，采用该账号外呼时所用主叫号码归属地中次数最多的省份。每个账号的“地区依据”一栏写明由哪一项确定。",
    "本地区被联系的消费者：上游账号（不论账号位于何地）在案内通话记录、短信记录中联系过的不同号码中，"
    "号码归属地在本地区的个数。归属地按号码前 7 位查得；固定电话和无归属地的号码不计入任何地区。",
    "本地区账号联系的消费者：本地区账号联系过的不同号码数（不论号码归属何地）。",
    "指控与线索：持有本地区账号的单位在本案中已形成的违法事实（指控）和线索；线索未达到违法构成要件，不作为违法认定。",
    "个人信息均已遮蔽（138****5678 等）；证据摘录注明原始证据文件、工作表和行号，可回查原件。",
)


@dataclass
class Packet:
    region: str
    paths: list[Path]


def _slug(region: str) -> str:
    """A safe file name: region names come from seized tables, so only word characters survive."""
    slug = re.sub(r"[^\w-]+", "_", region, flags=re.UNICODE).strip("_")[:30] or "region"
    return f"移送协查-{slug}-{hashlib.sha1(region.encode()).hexdigest()[:6]}"


def _cite(sha: str | None, file_name: str | None, sheet: str | None, row_no: int | None,
          red: Redactor) -> str:
    if sha is None:
        return "—"
    parts = [red.text(file_name or ""), f"SHA-256 {hash_text(sha[:12])}"]
    if sheet:
        parts.append(f"工作表 {red.text(sheet)}")
    if row_no is not None:
        parts.append(f"第 {row_no} 行")
    return "，".join(p for p in parts if p)


def _when(value: Any) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else str(value or "")


def packet_data(region: Region, ref: Referrals, *, case_name: str, agency: str, red: Redactor) -> dict[str, Any]:
    """Everything a packet prints, masked: the template and the workbook read only this."""
    def account_row(a: Account) -> dict[str, Any]:
        return {
            "account": red.text(a.account), "upstream": red.text(a.upstream), "tie": a.tie_zh, "customer": red.text(a.customer),
            "holder": red.text(a.holder), "city": a.city or "—",
            "source": a.source_zh, "source_detail": red.text(a.source_detail),
            "seats": a.seats, "calls": a.calls, "sms": a.sms, "consumers": a.consumers,
            "cite": _cite(a.evidence_sha256, a.file_name, a.sheet, a.row_no, red),
        }

    held = set(region.holders)
    charged = {c["holder"] for c in region.charges}
    return {
        "case_name": red.text(case_name), "agency": red.text(agency), "region": region.region,
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"), "version": __version__,
        "upstreams": [{"type": "供应商" if t == "vendor" else "平台", "name": red.text(n)} for t, n, _ in ref.upstreams],
        "upstream_accounts": ref.accounts_total,
        "accounts": len(region.accounts), "seats": region.seats, "calls": region.calls, "sms": region.sms,
        "consumers": region.consumers, "consumers_by_accounts": region.consumers_by_accounts,
        "holders": len(held), "charged_holders": len(charged),
        "sources": [{"source": k, "accounts": n} for k, n in sorted(region.sources_zh().items())],
        "cities": [{"city": c.city, "accounts": c.accounts, "consumers": c.consumers} for c in region.cities],
        "account_rows": [account_row(a) for a in sorted(region.accounts, key=lambda a: (-a.calls, a.account))],
        "charges": [{"charge_id": c["charge_id"], "holder": red.text(c["holder"]), "conduct": c["conduct"],
                     "strength": c["strength"], "status": c["status"],
                     "period": f"{_when(c['first_at'])[:10]} 至 {_when(c['last_at'])[:10]}"} for c in region.charges],
        "leads": [{"lead_id": x["lead_id"], "holder": red.text(x["holder"]), "conduct": x["conduct"],
                   "reason": red.text(x["reason"]), "rows": x["rows"]} for x in region.leads],
        "extract": [{"when": _when(e["when"]), "account": red.text(e["account"]), "caller": red.phone(e["caller"]),
                     "callee": red.phone(e["callee"]), "city": e["city"] or "—",
                     "account_region": e["account_region"],
                     "cite": _cite(e["evidence_sha256"], e["file_name"], e["sheet"], e["row_no"], red)}
                    for e in region.extract],
        "method": METHOD_ZH,
    }


def render_html(data: dict[str, Any]) -> str:
    return environment().get_template("referral.html.j2").render(d=data)


def write_xlsx(data: dict[str, Any], path: Path, red: Redactor) -> Path:
    book = Book(path, people=red.matcher)
    summary = [
        ("地区", data["region"]), ("办案单位", data["agency"]), ("案件", data["case_name"]),
        ("上游", "、".join(u["name"] for u in data["upstreams"])),
        ("上游账号总数", data["upstream_accounts"]), ("本地区账号数", data["accounts"]),
        ("坐席数", data["seats"]), ("通话记录数", data["calls"]), ("短信记录数", data["sms"]),
        ("本地区被联系的消费者（号码归属地）", data["consumers"]),
        ("本地区账号联系的消费者", data["consumers_by_accounts"]),
        ("持有账号的单位", data["holders"]), ("已认定违法事实的单位", data["charged_holders"]),
        ("指控", len(data["charges"])), ("线索", len(data["leads"])), ("生成时间", data["generated_at"]),
    ]
    book.table("概要", ["项目", "数值"], [(k, str(v)) for k, v in summary],
               note=f"{data['region']} 移送/协查材料（草稿）— 个人信息已遮蔽")
    book.table("分城市", ["城市", "账号数", "被联系的消费者"],
               [(c["city"], c["accounts"], c["consumers"]) for c in data["cities"]])
    book.table("账号", ["账号", "上游", "与上游的关系", "客户名称", "使用单位", "城市", "地区依据", "依据内容", "坐席数",
                      "通话", "短信", "联系的消费者", "出处"],
               [(a["account"], a["upstream"], a["tie"], a["customer"], a["holder"], a["city"], a["source"],
                 a["source_detail"], a["seats"], a["calls"], a["sms"], a["consumers"], a["cite"])
                for a in data["account_rows"]])
    book.table("指控", ["编号", "当事人", "违法行为", "证据强度", "复核状态", "期间"],
               [(c["charge_id"], c["holder"], c["conduct"], c["strength"], c["status"], c["period"])
                for c in data["charges"]])
    book.table("线索", ["编号", "当事人", "行为", "说明", "记录数"],
               [(x["lead_id"], x["holder"], x["conduct"], x["reason"], x["rows"]) for x in data["leads"]])
    book.table("证据摘录", ["时间", "账号", "主叫（遮蔽）", "被叫（遮蔽）", "被叫归属城市", "账号所在地区", "出处"],
               [(e["when"], e["account"], e["caller"], e["callee"], e["city"], e["account_region"], e["cite"])
                for e in data["extract"]])
    book.table("口径说明", ["说明"], [(m,) for m in data["method"]])
    book.close()
    return path


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8")


def write_packets(con: duckdb.DuckDBPyConnection, ref: Referrals, folder: Path, *, case_name: str, agency: str,
                  formats: Sequence[str] = FORMATS,
                  progress: Callable[[int, int], None] | None = None) -> list[Packet]:
    """One packet per region of ``ref`` in ``folder``; ``progress(done, total)`` after each."""
    folder.mkdir(parents=True, exist_ok=True)
    red = Redactor(False, case_names(con))
    packets: list[Packet] = []
    for n, region in enumerate(ref.regions, 1):
        data = packet_data(region, ref, case_name=case_name, agency=agency, red=red)
        stem = folder / _slug(region.region)
        paths: list[Path] = []
        if "html" in formats or "pdf" in formats:
            html = render_html(data)
            if "html" in formats:
                paths.append(_atomic(stem.with_suffix(".html"), partial(_write_text, html)))
            if "pdf" in formats:
                paths.append(_atomic(stem.with_suffix(".pdf"), partial(write_pdf, html)))
        if "xlsx" in formats:
            paths.append(_atomic(stem.with_suffix(".xlsx"), partial(write_xlsx, data, red=red)))
        packets.append(Packet(region.region, paths))
        if progress is not None:
            progress(n, len(ref.regions))
    return packets


def _width(text: str) -> int:
    """Columns a terminal gives the text (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, *, left: bool) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text


@dataclass
class ReferralRun:
    referrals: Referrals
    packets: list[Packet]
    folder: Path

    def json_rows(self) -> list[dict[str, Any]]:
        paths = {p.region: [str(x) for x in p.paths] for p in self.packets}
        return [{**r.to_json(), "packet": paths.get(r.region, [])} for r in self.referrals.regions]

    def lines(self) -> list[str]:
        """A short table: one line per region, then what was left out and where the packets are."""
        ref = self.referrals
        head = (t("地区", "region"), t("账号", "accounts"), t("坐席", "seats"), t("通话", "calls"),
                t("短信", "sms"), t("消费者(归属地)", "consumers"), t("指控", "charges"), t("线索", "leads"))
        rows = [head] + [(r.region, *(f"{n:,}" for n in (len(r.accounts), r.seats, r.calls, r.sms, r.consumers,
                                                         len(r.charges), len(r.leads)))) for r in ref.regions]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(head))]
        out = ["  ".join(_pad(cell, w, left=i == 0) for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
               for row in rows]
        if ref.unplaced:
            out.append(t(f"未能确定地区的账号：{len(ref.unplaced)} 个（账号表无省份和地址，也无主叫号码归属地）",
                         f"accounts with no region: {len(ref.unplaced)} (no province or address in the "
                         "account table, no 归属地 of calling numbers)"))
        if ref.consumers_unknown:
            out.append(t(f"无归属地的号码：{ref.consumers_unknown} 个（固定电话或未知号段），不计入任何地区",
                         f"numbers without 归属地: {ref.consumers_unknown} (landlines or unknown prefixes), "
                         "counted in no region"))
        out.append(t(f"移送/协查材料 {len(self.packets)} 份：{self.folder}",
                     f"{len(self.packets)} referral packets: {self.folder}"))
        return out


def parse_formats(value: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise QinglianError(
            f"不支持的移送材料格式：{'、'.join(bad) or '（空）'}",
            f"unsupported packet format: {', '.join(bad) or '(empty)'}",
            hint_zh="可选 html,pdf,xlsx（逗号分隔）",
            hint_en="choose from html,pdf,xlsx (comma separated)",
        )
    return wanted
