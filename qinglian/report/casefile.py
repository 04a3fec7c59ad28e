"""The case file's content, built around charges: parties ranked, their charges and leads, the evidence
lists, PI by category, calls and SMS per day, and the chain.

Everything is read from what the stages stored (``charges``, ``charge_evidence``, ``leads``,
``targets``, ``pi_inventory``, the record views); the only work done here is counting records per
day and grouping a charge's stored supporting queries by file for the evidence list. Values that
reach the page are masked here (unless ``reveal``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import duckdb

from qinglian.errors import QinglianError
from qinglian.report import evidence as ev
from qinglian.report.data import Chain, Daily, chain, runs
from qinglian.report.data import Run as AnalysisRun
from qinglian.report.privacy import Redactor, hash_text
from qinglian.report.provenance import Head, made_from
from qinglian.report.tables import schema_tables
from qinglian.store import tables as tbl
from qinglian.store.sqlident import quote_ident

# The tables the case file reads; without the charges stage there is nothing to put on page one.
NEEDS: tuple[str, ...] = ("charges", "charge_evidence", "leads", "evidence", "pi_inventory", "targets")

STATUS_ZH: dict[str, str] = {"proposed": "待复核", "confirmed": "已确认", "rejected": "已否定",
                             "needs_more": "需补充证据"}
STRENGTH_ZH: dict[str, str] = {"strong": "较强", "moderate": "一般"}
# Labels of the numbers in a charge's ``scale``; the rest (lists of rules, grades) are shown apart.
SCALE_ZH: dict[str, str] = {
    "subjects": "涉及个人信息主体（人）", "lists": "名单（份）", "calls": "外呼（次）", "answered": "接通（次）",
    "sms": "短信（条）", "consumers": "涉及消费者（人）", "payments": "付款（笔）", "money": "金额（元）",
    "chats": "聊天（条）", "recipients": "收受人（人）", "rows": "支持证据行",
    "claimed_per_day": "自称日发送/外呼量", "measured_peak_day": "日志所见单日最多",
}
KIND_ZH: dict[str, str] = {
    "calls": "通话记录", "sms": "短信记录", "customers": "客户名单", "chats": "聊天记录",
    "complaints": "投诉", "accounts": "平台账号", "payments": "付款记录",
}
# Representative items per charge in the case file (the charges stage stores up to five).
ITEMS_SHOWN = 3


@lru_cache(maxsize=1)
def _pi_categories() -> dict[str, tuple[str, int]]:
    """category -> (Chinese name, tier) from the thresholds file; bare codes when it cannot load."""
    try:
        from qinglian.detect.pi.thresholds import load_pi_thresholds

        th = load_pi_thresholds()
    except Exception:  # noqa: BLE001 — the report still shows the codes
        return {}
    return {k: (c.zh, c.tier) for k, c in th.categories.items()}


def pi_name(category: str) -> str:
    return _pi_categories().get(category, (category, 0))[0]


@dataclass
class Item:
    """One representative piece of evidence of a charge."""

    citation: ev.Citation
    quote: str
    note: str
    group: str


@dataclass
class Provision:
    cite: str  # "法律（版本）第X条"
    summary: str
    penalty: str
    role: str  # breach | referral

    @property
    def breach(self) -> bool:
        return self.role == "breach"

    @property
    def short(self) -> str:
        """The cite without the "中华人民共和国" every national law starts with (for tables)."""
        return self.cite.removeprefix("中华人民共和国")

    @property
    def penalty_cite(self) -> str:
        """"法律（版本）第X条" of the penalty article, from the penalty text "第X条：…"."""
        if not self.penalty:
            return ""
        return self.cite.split("第")[0] + self.penalty.split("：")[0]


@dataclass
class ChargeView:
    id: str
    holder: str
    conduct: str
    title: str
    provisions: list[Provision]
    facts: str
    first_at: datetime | None
    last_at: datetime | None
    scale: list[tuple[str, str]]  # (label, value) in words
    pi: list[tuple[str, int, int]]  # (category name, records, threshold)
    strength: str
    reasons: list[str]
    rebuttal: list[str]
    referral: bool
    status: str
    reviewer: str
    review_reason: str
    evidence_changed: bool
    evidence_rows: int
    items: list[Item] = field(default_factory=list)
    party_kind: str = ""  # what the party is in its industry pack's words (房产中介); none for loans alone

    @property
    def period(self) -> str:
        if self.first_at is None and self.last_at is None:
            return "证据未载明时间（以查获时持有为准）"
        a = self.first_at.date().isoformat() if self.first_at else "？"
        b = self.last_at.date().isoformat() if self.last_at else "？"
        return a if a == b else f"{a} 至 {b}"

    @property
    def breaches(self) -> list[Provision]:
        return [p for p in self.provisions if p.breach]

    @property
    def referrals(self) -> list[Provision]:
        return [p for p in self.provisions if not p.breach]


@dataclass
class LeadView:
    id: str
    holder: str
    conduct: str
    reason: str
    rows: int
    first_at: datetime | None
    last_at: datetime | None
    sample: ev.Citation | None


@dataclass
class FileRow:
    """One evidence file in a party's evidence list (证据清单)."""

    file_name: str
    sha: str  # prefix, as cited
    kind: str
    sheets: list[str]
    rows: int  # supporting rows in this file
    first_row: int | None
    last_row: int | None
    charges: list[str]  # conduct titles the file supports


@dataclass
class PiLine:
    category: str
    name: str
    records: int
    threshold: int
    own_traces: bool  # the holder's own call/SMS logs: not PI it obtained from others

    @property
    def status(self) -> str:
        if self.own_traces:
            return "本单位自身通信记录，不计入非法获取"
        if self.records >= 10 * self.threshold:
            return "达到标准 10 倍（情节特别严重）"
        if self.records >= self.threshold:
            return "达到入罪标准（情节严重）"
        return "未达到"

    @property
    def crossed(self) -> bool:
        return not self.own_traces and self.records >= self.threshold


@dataclass
class Party:
    holder: str
    rank: int | None  # inspection-target rank (after the link analysis)
    score: float | None
    charges: list[ChargeView] = field(default_factory=list)
    leads: list[LeadView] = field(default_factory=list)
    files: list[FileRow] = field(default_factory=list)
    pi: list[PiLine] = field(default_factory=list)
    calls: dict[str, Any] = field(default_factory=dict)
    sms: dict[str, Any] = field(default_factory=dict)
    daily: list[Daily] = field(default_factory=list)
    evidence_files: int = 0

    @property
    def referral(self) -> bool:
        return any(c.referral for c in self.charges)

    @property
    def kind(self) -> str:
        """The party's kind in its industry pack's words, from its charges ("" where none says)."""
        return next((c.party_kind for c in self.charges if c.party_kind), "")

    @property
    def referral_charges(self) -> list[ChargeView]:
        return [c for c in self.charges if c.referral]

    @property
    def period(self) -> str:
        firsts = [c.first_at for c in self.charges if c.first_at]
        lasts = [c.last_at for c in self.charges if c.last_at]
        if not firsts:
            return "证据未载明时间"
        return f"{min(firsts).date().isoformat()} 至 {max(lasts).date().isoformat()}"

    @property
    def breach_cites(self) -> list[str]:
        out: dict[str, None] = {}
        for c in self.charges:
            for p in c.breaches:
                out[p.cite] = None
        return list(out)

    @property
    def penalty_cites(self) -> list[str]:
        out: dict[str, None] = {}
        for c in self.charges:
            for p in c.breaches:
                if p.penalty_cite:
                    out[p.penalty_cite] = None
        return list(out)


@dataclass
class CaseFile:
    case_name: str
    agency: str
    generated_at: str
    reveal: bool
    holders: list[str]
    parties: list[Party]  # parties with charges, ranked
    others: list[Party]  # holders without charges (leads only, or nothing)
    totals: dict[str, int]
    chain: Chain
    runs: list[AnalysisRun]
    single: bool = False
    custody: Head | None = None  # the custody head the content was read at

    @property
    def leads(self) -> list[LeadView]:
        return [ld for p in [*self.parties, *self.others] for ld in p.leads]

    @property
    def referral_parties(self) -> list[Party]:
        return [p for p in self.parties if p.referral]

    @property
    def provisions(self) -> list[Provision]:
        """Every provision the charges cite, once, breaches first (the appendix of texts and penalties)."""
        seen: dict[str, Provision] = {}
        for p in self.parties:
            for c in p.charges:
                for v in c.provisions:
                    seen.setdefault(v.cite, v)
        return sorted(seen.values(), key=lambda v: (not v.breach, v.cite))


# ---- reading ------------------------------------------------------------------------------------


def _require(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    present = schema_tables(con)
    missing = [n for n in NEEDS if n not in present]
    if missing:
        raise QinglianError(
            f"案件尚未完成分析，缺少结果表：{'、'.join(missing)}",
            f"the case has not been analysed: missing result tables {', '.join(missing)}",
            hint_zh="先运行 qinglian analyze、link、targets 与 qinglian charges 案件目录 --rebuild，再生成报告",
            hint_en="run qinglian analyze, link, targets and qinglian charges CASE --rebuild, then the report",
        )
    return present


def _json(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _texts(value: Any) -> list[str]:
    items = _json(value) or []
    return [str(i.get("zh", "")) if isinstance(i, dict) else str(i) for i in items]


def _number(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _scale(raw: Any, redactor: Redactor) -> tuple[list[tuple[str, str]], list[tuple[str, int, int]]]:
    scale = _json(raw) or {}
    words: list[tuple[str, str]] = []
    for key, label in SCALE_ZH.items():
        if key in scale and scale[key] is not None and key != "rows":
            words.append((label, _number(scale[key])))
    if "grades" in scale and isinstance(scale["grades"], dict):
        words.append(("意向分级", "，".join(f"{g} 级 {n:,} 人" for g, n in sorted(scale["grades"].items()))))
    if scale.get("institutions"):
        words.append(("冒用名义", "、".join(redactor.text(str(i)) for i in scale["institutions"])))
    if "threshold_ratio" in scale and scale["threshold_ratio"] is not None:
        words.append(("按入罪标准折算", f"{float(scale['threshold_ratio']):.2f} 倍"))
    pi = [(pi_name(str(c)), int(v.get("records", 0)), int(v.get("tier", 0)))
          for c, v in (scale.get("pi") or {}).items() if isinstance(v, dict)]
    return words, pi


def _provisions(raw: Any) -> list[Provision]:
    out = []
    for p in _json(raw) or []:
        cite = str(p.get("cite") or f"{p.get('law', '')}（{p.get('version', '')}）{p.get('article', '')}")
        out.append(Provision(cite, str(p.get("summary") or ""), str(p.get("penalty") or ""),
                             str(p.get("role") or "breach")))
    return out


def _charges(con: duckdb.DuckDBPyConnection, redactor: Redactor, holder: str | None) -> list[ChargeView]:
    rows = con.execute(
        "SELECT charge_id, holder, conduct, conduct_zh, provisions, facts_zh, first_at, last_at, scale, strength, "
        "strength_reasons, rebuttal, coalesce(referral, FALSE), coalesce(status, 'proposed'), reviewer, "
        "review_reason, coalesce(evidence_changed, FALSE), coalesce(evidence_rows, 0) FROM charges "
        "WHERE ? IS NULL OR holder = ? ORDER BY holder, referral DESC, evidence_rows DESC, conduct",
        [holder, holder],
    ).fetchall()
    out: dict[str, ChargeView] = {}
    for (cid, hold, conduct, title, provs, facts, first, last, scale, strength, reasons, rebut, referral,
         status, reviewer, why, changed, n) in rows:
        measured = _json(scale) or {}
        words, pi = _scale(measured, redactor)
        out[str(cid)] = ChargeView(
            id=str(cid), holder=str(hold), conduct=str(conduct), title=str(title or conduct),
            provisions=_provisions(provs), facts=redactor.text(str(facts or "")), first_at=first, last_at=last,
            scale=words, pi=pi, strength=STRENGTH_ZH.get(str(strength), str(strength or "")),
            reasons=_texts(reasons), rebuttal=_texts(rebut), referral=bool(referral),
            status=STATUS_ZH.get(str(status), str(status)), reviewer=redactor.text(str(reviewer or "")),
            review_reason=redactor.text(str(why or "")), evidence_changed=bool(changed), evidence_rows=int(n),
            party_kind=str(measured.get("party_zh") or ""),
        )
    if out:
        for cid, _rank, kind, sha, fname, sheet, row_no, grp, quote, note in con.execute(
            "SELECT charge_id, rank, kind, evidence_sha256, file_name, sheet, row_no, group_key, quote, note_zh "
            "FROM charge_evidence WHERE charge_id IN (SELECT charge_id FROM charges WHERE ? IS NULL OR holder = ?) "
            "ORDER BY charge_id, rank",
            [holder, holder],
        ).fetchall():
            c = out.get(str(cid))
            if c is None:
                continue
            cit = ev.Citation(str(kind or ""), str(sha or ""), redactor.text(str(fname or "")) or "（证据登记中无此文件）",
                              str(sheet or ""), int(row_no) if row_no is not None else None, True)
            c.items.append(Item(cit, redactor.text(str(quote or "")), str(note or ""),
                                _group(redactor, str(grp or ""))))
    return list(out.values())


def _group(redactor: Redactor, value: str) -> str:
    if len(value) == 64 and all(ch in "0123456789abcdef" for ch in value):
        return "名单 " + hash_text(value[:ev.HASH_PREFIX])
    return redactor.text(value)


def _leads(con: duckdb.DuckDBPyConnection, redactor: Redactor, holder: str | None) -> list[LeadView]:
    from qinglian.charges.conduct import CONDUCTS

    out = []
    for lid, hold, conduct, reason, n, first, last, sha, sheet, row_no, fname in con.execute(
        "SELECT l.lead_id, l.holder, l.conduct, l.reason_zh, coalesce(l.rows, 0), l.first_at, l.last_at, "
        "l.sample_sha256, l.sample_sheet, l.sample_row, e.file_name FROM leads l "
        "LEFT JOIN evidence e ON e.sha256 = l.sample_sha256 WHERE ? IS NULL OR l.holder = ? "
        "ORDER BY l.holder, l.rows DESC, l.conduct",
        [holder, holder],
    ).fetchall():
        sample = None
        if sha:
            sample = ev.Citation("", str(sha), redactor.text(str(fname or "")), str(sheet or ""),
                                 int(row_no) if row_no is not None else None, True)
        c = CONDUCTS.get(str(conduct))
        out.append(LeadView(str(lid), str(hold), c.zh if c else str(conduct), redactor.text(str(reason or "")),
                            int(n), first, last, sample))
    return out


def _evidence_lists(con: duckdb.DuckDBPyConnection, charges: list[ChargeView],
                    redactor: Redactor) -> dict[str, list[FileRow]]:
    """Per party, the files behind its charges: the stored supporting queries grouped by file."""
    from qinglian.charges.evidence import Query, union

    rows = con.execute(
        "SELECT charge_id, evidence_query FROM charges WHERE charge_id IN (SELECT unnest(?::VARCHAR[]))",
        [[c.id for c in charges]],
    ).fetchall()
    by_id = {c.id: c for c in charges}
    files: dict[tuple[str, str], dict[str, Any]] = {}
    # every charge's supporting rows in one query (one plan, not one round trip per charge)
    parts: list[str] = []
    params: list[Any] = []
    for k, (cid, raw) in enumerate(rows):
        queries = [Query.from_json(q) for q in _json(raw) or [] if isinstance(q, dict) and q.get("sql")]
        if queries:
            sql, qparams = union(queries)
            parts.append(f"SELECT {k} AS k, ?::VARCHAR AS cid, * FROM ({sql})")
            params += [str(cid), *qparams]
    found = con.execute(
        "SELECT k, cid, any_value(kind), evidence_sha256, sheet, count(DISTINCT row_no), min(row_no), max(row_no) "
        f"FROM ({' UNION ALL '.join(parts)}) GROUP BY k, cid, evidence_sha256, sheet "
        "ORDER BY k, evidence_sha256, sheet NULLS FIRST", params).fetchall() if parts else []
    for _k, cid, kind, sha, sheet, n, lo, hi in found:
        c = by_id[str(cid)]
        f = files.setdefault((c.holder, str(sha)), {"kind": str(kind or ""), "sheets": {}, "rows": 0,
                                                    "lo": None, "hi": None, "charges": {}})
        f["sheets"][str(sheet or "")] = None
        f["rows"] = max(int(f["rows"]), 0) + int(n)
        f["lo"] = lo if f["lo"] is None or (lo is not None and lo < f["lo"]) else f["lo"]
        f["hi"] = hi if f["hi"] is None or (hi is not None and hi > f["hi"]) else f["hi"]
        f["charges"][c.title] = None
    names = {str(s): str(n) for s, n in con.execute(
        "SELECT sha256, file_name FROM evidence WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
        [sorted({sha for _, sha in files})]).fetchall()}
    out: dict[str, list[FileRow]] = {}
    for (holder, sha), f in sorted(files.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1], ""))):
        out.setdefault(holder, []).append(FileRow(
            file_name=redactor.text(names.get(sha, "（证据登记中无此文件）")), sha=hash_text(sha[:ev.HASH_PREFIX]),
            kind=KIND_ZH.get(f["kind"], f["kind"]), sheets=[s for s in f["sheets"] if s],
            rows=int(f["rows"]), first_row=f["lo"], last_row=f["hi"], charges=list(f["charges"])))
    return out


def _pi(con: duckdb.DuckDBPyConnection, holder: str | None) -> dict[str, list[PiLine]]:
    out: dict[str, list[PiLine]] = {}
    for hold, category, tier, n in con.execute(
        f"SELECT holder, category, tier, subjects FROM ({tbl.PI_INVENTORY.select()}) "
        "WHERE evidence_sha256 IS NULL AND (? IS NULL OR holder = ?) ORDER BY holder, tier, subjects DESC",
        [holder, holder],
    ).fetchall():
        out.setdefault(str(hold), []).append(
            PiLine(str(category), pi_name(str(category)), int(n or 0), int(tier), str(category) == "comm_record"))
    return out


def _daily(con: duckdb.DuckDBPyConnection, kind: str, ts: str, holder: str | None) -> dict[str, Daily]:
    """Records per day and holder (one query per kind for every holder)."""
    days: dict[str, list[tuple[date, int]]] = {}
    totals: dict[str, int] = {}
    for hold, d, n in con.execute(
        f"SELECT holder, CAST({quote_ident(ts)} AS DATE) d, count(*) FROM {quote_ident(kind)} "
        "WHERE ? IS NULL OR holder = ? GROUP BY ALL ORDER BY 1, 2",
        [holder, holder],
    ).fetchall():
        totals[str(hold)] = totals.get(str(hold), 0) + int(n)
        if d is not None:
            days.setdefault(str(hold), []).append((d, int(n)))
    out = {}
    for h, total in totals.items():
        dd = days.get(h, [])
        out[h] = Daily(kind, dd, total, total - sum(n for _, n in dd))
    return out


def _stats(con: duckdb.DuckDBPyConnection, holder: str | None) -> tuple[dict[str, dict[str, Any]],
                                                                         dict[str, dict[str, Any]]]:
    calls = {str(r[0]): {"外呼次数": int(r[1]), "接通": int(r[2]), "被叫号码（去重）": int(r[3]),
                         "通话总时长（分钟）": round(float(r[4] or 0) / 60, 1)}
             for r in con.execute(
                 "SELECT holder, count(*), count(*) FILTER (WHERE answered), count(DISTINCT callee), sum(duration_s) "
                 "FROM calls WHERE ? IS NULL OR holder = ? GROUP BY 1", [holder, holder]).fetchall()}
    sms = {str(r[0]): {"短信条数": int(r[1]), "接收号码（去重）": int(r[2]), "签名数": int(r[3])}
           for r in con.execute(
               "SELECT holder, count(*), count(DISTINCT recipient), count(DISTINCT signature) FROM sms "
               "WHERE ? IS NULL OR holder = ? GROUP BY 1", [holder, holder]).fetchall()}
    return calls, sms


def gather_casefile(con: duckdb.DuckDBPyConnection, *, case_name: str, agency: str, holder: str | None = None,
                    reveal: bool = False) -> CaseFile:
    """The case file's content; with ``holder`` only that party."""
    redactor = Redactor(reveal)
    tables = _require(con)
    all_holders = [str(r[0]) for r in con.execute(
        "SELECT DISTINCT holder FROM evidence WHERE holder IS NOT NULL ORDER BY 1").fetchall()]
    if holder is not None:
        all_holders = [holder]
    ranks = {str(h): (int(r), float(s) if s is not None else None) for h, r, s in con.execute(
        f"SELECT holder, min(rank), arg_min(score, rank) FROM ({tbl.TARGETS.select('holder', 'rank', 'phase', 'score')}) "
        "WHERE phase = 'after' GROUP BY 1").fetchall()}
    charges = _charges(con, redactor, holder)
    leads = _leads(con, redactor, holder)
    files = _evidence_lists(con, charges, redactor)
    pi = _pi(con, holder)
    daily_calls = _daily(con, "calls", "started_at", holder)
    daily_sms = _daily(con, "sms", "sent_at", holder)
    calls, sms = _stats(con, holder)
    n_files = {str(h): int(n) for h, n in con.execute(
        "SELECT holder, count(*) FROM evidence WHERE holder IS NOT NULL GROUP BY 1").fetchall()}
    parties: dict[str, Party] = {}
    for h in all_holders:
        rank, score = ranks.get(h, (None, None))
        p = Party(h, rank, score, files=files.get(h, []), pi=pi.get(h, []), calls=calls.get(h, {}),
                  sms=sms.get(h, {}), evidence_files=n_files.get(h, 0))
        p.daily = [d for d in (daily_calls.get(h), daily_sms.get(h)) if d is not None]
        parties[h] = p
    for c in charges:
        parties.setdefault(c.holder, Party(c.holder, None, None)).charges.append(c)
    for ld in leads:
        parties.setdefault(ld.holder, Party(ld.holder, None, None)).leads.append(ld)
    charged = [p for p in parties.values() if p.charges]
    # Referral first, then the inspection ranking, then the number of charges.
    charged.sort(key=lambda p: (not p.referral, p.rank if p.rank is not None else 10**9, -len(p.charges), p.holder))
    others = sorted((p for p in parties.values() if not p.charges), key=lambda p: (-len(p.leads), p.holder))
    totals = {
        "parties": len(all_holders), "charged": len(charged), "charges": len(charges), "leads": len(leads),
        "referrals": sum(1 for p in charged if p.referral),
        "confirmed": sum(1 for c in charges if c.status == STATUS_ZH["confirmed"]),
        "evidence_files": sum(n_files.get(h, 0) for h in all_holders),
        "calls": sum(int(calls.get(h, {}).get("外呼次数", 0)) for h in all_holders),
        "sms": sum(int(sms.get(h, {}).get("短信条数", 0)) for h in all_holders),
    }
    full_chain = chain(con, tables, redactor)
    return CaseFile(
        case_name=case_name, agency=agency,
        generated_at=datetime.now().astimezone().isoformat(timespec="seconds"), reveal=reveal,
        holders=all_holders, parties=charged, others=others, totals=totals,
        chain=full_chain if holder is None else full_chain.around(holder), runs=runs(con),
        single=holder is not None, custody=made_from(con),
    )
