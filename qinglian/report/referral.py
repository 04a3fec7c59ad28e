"""Referral packets: per region a 移送/协查函 draft with counts and a masked evidence extract, as
HTML, PDF and XLSX, under CASE/reports/referrals/.

The letter cites, per charge of the region's account holders, the provisions the charge cites, read
from the legal catalog (``qinglian.laws``) in the version in force on the charge's dates, worded as
the charges stage and the case report word them; leads cite none. The procedural basis of a
referral or assistance request is cited only from catalog ids in ``PROCEDURE_IDS`` whose version in
force is checked against a text; the catalog has none yet, so the draft leaves a marked blank for
the sending bureau to fill (``PROCEDURE_BLANK``) and never makes up an article.

A packet holds counts and masked extracts only: consumer numbers, calling numbers and people's
names go through the report's masking (``Redactor`` with the case's names); the XLSX goes through
``Book`` (formula neutralising, the case's names masked in every cell).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from qinglian import __version__
from qinglian.charges.provisions import CHECKED
from qinglian.charges.provisions import cite as cite_provisions
from qinglian.i18n import t
from qinglian.laws import catalog
from qinglian.link.sql import has_table
from qinglian.report.formats import choose
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
    "所涉条款：每项指控所引条款取自法律条文目录（qinglian/laws/laws.yaml），为该指控行为期间末日施行的文本，"
    "与案卷报告的引用一致，只引用经文本核对的版本；条文摘要是转述，不是条文原文。线索不引用条款。",
)

PROCEDURE_IDS: tuple[str, ...] = ()
"""Catalog ids of the procedural basis of a referral / assistance request (移送、协查), cited in the
version in force today where that version is checked against a text. Empty: the catalog holds no
procedural rule (市场监督管理行政处罚程序规定 and the like) checked against a text yet."""

PROCEDURE_BLANK = "【程序依据待发函单位核定后填写：法律条文目录未收录经文本核对的移送、协查程序规定，本草稿不代拟条文】"
PROCEDURE_NOTE = ("移送、协查的程序依据：法律条文目录未收录经文本核对的程序规定，函中相应位置留空并标明由发函单位填写，"
                  "本系统不代拟条文。")


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


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def charge_provisions(con: duckdb.DuckDBPyConnection, charges: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per charge id, the provisions the charge cites (``charges.provisions``: ids and roles), each
    re-read from the catalog in the version in force on the charge's dates, as the charges stage
    cites it (so the wording is the case report's). Ids the catalog lacks and versions not checked
    against a text are left out: every provision returned comes from the catalog."""
    ids = sorted({str(c["charge_id"]) for c in charges})
    if not ids or not has_table(con, "charges"):
        return {}
    known = catalog().ids()
    out: dict[str, list[dict[str, Any]]] = {}
    for cid, raw, first, last in con.execute(
        "SELECT charge_id, provisions, first_at, last_at FROM charges WHERE list_contains(?, charge_id)", [ids]
    ).fetchall():
        stored = json.loads(raw) if isinstance(raw, str) else (raw or [])
        entries: list[dict[str, Any]] = []
        for p in stored if isinstance(stored, list) else []:
            pid = str(p.get("id") or "") if isinstance(p, dict) else ""
            if pid in known:
                role = "referral" if p.get("role") == "referral" else "breach"
                entries += cite_provisions([pid], _day(first), _day(last), role)
        out[str(cid)] = list({e["cite"]: e for e in entries if e["verified"] in CHECKED}.values())
    return out


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def _article_number(article: str) -> int:
    """第二百五十三条之一 -> 253 (the first number of an article; 0 where none is read)."""
    m = re.match(r"第([零一二三四五六七八九十百千]+)条", article)
    if not m:
        return 0
    total, digit = 0, 0
    for ch in m.group(1):
        if ch in _UNITS:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
        else:
            digit = _DIGITS[ch]
    return total + digit


def _order(entry: dict[str, Any], laws: dict[str, int]) -> tuple[int, int, str, str]:
    """Laws in the catalog's order (``laws``: law -> position), then article number, then version."""
    return (laws.get(str(entry["law"]), len(laws)), _article_number(str(entry["article"])),
            str(entry["article"]), str(entry["effective"]))


def procedure_basis(on: date | None = None) -> list[str]:
    """Citations of the procedural basis: the ``PROCEDURE_IDS`` in the catalog whose version in force
    is checked against a text; none where the catalog holds none (the letter then leaves a blank)."""
    cat = catalog()
    known = cat.ids()
    return [cat.get(pid).cite(on) for pid in PROCEDURE_IDS
            if pid in known and cat.get(pid).in_force(on).verified in CHECKED]


def packet_data(region: Region, ref: Referrals, *, case_name: str, agency: str, red: Redactor,
                provisions: dict[str, list[dict[str, Any]]] | None = None,
                procedure: Sequence[str] = ()) -> dict[str, Any]:
    """Everything a packet prints, masked: the template and the workbook read only this.

    ``provisions``: per charge id, its catalog provisions (``charge_provisions``); ``procedure``:
    the citations of the procedural basis (``procedure_basis``), empty for a marked blank."""
    provs = provisions or {}

    def cites(charge_id: str, role: str) -> list[str]:
        return [p["cite"] for p in provs.get(charge_id, []) if p["role"] == role]

    laws = {law: i for i, law in enumerate(dict.fromkeys(p.law for p in catalog().provisions))}
    cited: dict[str, dict[str, Any]] = {}
    for c in region.charges:
        for p in provs.get(str(c["charge_id"]), []):
            if p["cite"] not in cited:
                cited[p["cite"]] = {"cite": p["cite"], "role": "违反条款" if p["role"] == "breach" else "涉嫌犯罪（移送）",
                                    "breach": p["role"] == "breach", "summary": p["summary"],
                                    "penalty": p["penalty"] or "", "order": _order(p, laws)}
    cited_rows = sorted(cited.values(), key=lambda p: (not p["breach"], p["order"]))
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
                     "breaches": cites(str(c["charge_id"]), "breach"),
                     "referrals": cites(str(c["charge_id"]), "referral"),
                     "period": f"{_when(c['first_at'])[:10]} 至 {_when(c['last_at'])[:10]}"} for c in region.charges],
        "provisions": cited_rows,
        "breach_cites": [p["cite"] for p in cited_rows if p["breach"]],
        "referral_cites": [p["cite"] for p in cited_rows if not p["breach"]],
        "procedure": list(procedure), "procedure_blank": PROCEDURE_BLANK,
        "leads": [{"lead_id": x["lead_id"], "holder": red.text(x["holder"]), "conduct": x["conduct"],
                   "reason": red.text(x["reason"]), "rows": x["rows"]} for x in region.leads],
        "extract": [{"when": _when(e["when"]), "account": red.text(e["account"]), "caller": red.phone(e["caller"]),
                     "callee": red.phone(e["callee"]), "city": e["city"] or "—",
                     "account_region": e["account_region"],
                     "cite": _cite(e["evidence_sha256"], e["file_name"], e["sheet"], e["row_no"], red)}
                    for e in region.extract],
        "method": METHOD_ZH if procedure else (*METHOD_ZH, PROCEDURE_NOTE),
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
        ("指控", len(data["charges"])), ("线索", len(data["leads"])),
        ("指控所涉条款（行为时施行的文本）", "；".join(data["breach_cites"]) or "—"),
        ("指控涉嫌犯罪条款（移送）", "；".join(data["referral_cites"]) or "—"),
        ("移送、协查程序依据", "；".join(data["procedure"]) or data["procedure_blank"]),
        ("生成时间", data["generated_at"]),
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
    book.table("指控", ["编号", "当事人", "违法行为", "违反条款（行为时施行的文本）", "涉嫌犯罪条款（移送）", "证据强度",
                      "复核状态", "期间"],
               [(c["charge_id"], c["holder"], c["conduct"], "；".join(c["breaches"]) or "—",
                 "；".join(c["referrals"]) or "—", c["strength"], c["status"], c["period"])
                for c in data["charges"]])
    book.table("所引条款", ["条款", "类别", "内容摘要（转述，非条文原文）", "罚则"],
               [(p["cite"], p["role"], p["summary"], p["penalty"] or "—") for p in data["provisions"]],
               note="取自法律条文目录（qinglian/laws/laws.yaml），经文本核对的版本")
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
                  provisions: dict[str, list[dict[str, Any]]], formats: Sequence[str] = FORMATS,
                  progress: Callable[[int, int], None] | None = None) -> list[Packet]:
    """One packet per region of ``ref`` in ``folder``; ``progress(done, total)`` after each.
    ``provisions``: ``charge_provisions`` of the regions' charges."""
    folder.mkdir(parents=True, exist_ok=True)
    red = Redactor(False, case_names(con))
    procedure = procedure_basis()
    packets: list[Packet] = []
    for n, region in enumerate(ref.regions, 1):
        data = packet_data(region, ref, case_name=case_name, agency=agency, red=red, provisions=provisions,
                           procedure=procedure)
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
    provisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per charge id

    def json_rows(self) -> list[dict[str, Any]]:
        paths = {p.region: [str(x) for x in p.paths] for p in self.packets}
        return [{**r.to_json(), "provisions": self.region_provisions(r), "packet": paths.get(r.region, [])}
                for r in self.referrals.regions]

    def region_provisions(self, region: Region) -> list[dict[str, Any]]:
        """The provisions the region's charges cite, each once with how many charges cite it (the
        letter's wording; criminal ones are the referral's, not a breach)."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for c in region.charges:
            for e in self.provisions.get(str(c["charge_id"]), []):
                row = found.setdefault((e["cite"], e["role"]), {"id": e["id"], "cite": e["cite"], "role": e["role"],
                                                                "charges": 0})
                row["charges"] += 1
        return sorted(found.values(), key=lambda r: (r["role"] != "breach", r["id"], r["cite"]))

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
    return choose(value, FORMATS, "移送材料", "packet")
