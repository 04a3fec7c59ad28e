"""What the case holds, gathered once for a report: the case scope and one scope per holder.

Everything here is already masked (unless ``reveal``) and capped (``limit`` rows per table);
the renderers only lay it out. The report reads what the stages stored (the tables declared in
``qinglian.store.tables``) and counts records; it analyses nothing itself. A case whose stages
have not run is refused with a clear error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from qinglian.errors import QinglianError
from qinglian.report import evidence as ev
from qinglian.report.privacy import Redactor
from qinglian.report.reasons import ReasonReader
from qinglian.report.specs import CODES, shown_columns
from qinglian.report.specs import title as spec_title
from qinglian.report.tables import Table, read_table, schema_tables
from qinglian.store import tables as tbl
from qinglian.store.schema import KINDS
from qinglian.store.sqlident import quote_ident

KIND_ZH: dict[str, str] = {
    "calls": "通话记录", "sms": "短信发送记录", "customers": "客户名单", "chats": "聊天记录",
    "complaints": "投诉", "accounts": "平台账号", "payments": "付款记录",
}

@dataclass
class PiRow:
    category: str
    tier: str
    records: int
    files: int
    threshold: int

    @property
    def status(self) -> str:
        if self.records >= 10 * self.threshold:
            return "情节特别严重（达到标准 10 倍）"
        if self.records >= self.threshold:
            return "情节严重（达到入罪标准）"
        return "未达到"

    @property
    def crossed(self) -> bool:
        return self.records >= self.threshold


@dataclass
class Daily:
    kind: str  # calls | sms
    days: list[tuple[date, int]]
    total: int
    undated: int

    @property
    def peak(self) -> tuple[date, int] | None:
        if not self.days:
            return None
        return max(self.days, key=lambda d: (d[1], -d[0].toordinal()))


@dataclass
class Chain:
    """The chain graph: nodes by layer (0 vendor … 4 leak source) and directed edges."""

    nodes: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (label, layer)
    edges: set[tuple[str, str]] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)

    def add(self, node_id: str, label: str, layer: int) -> str:
        self.nodes.setdefault(node_id, (label, layer))
        return node_id

    def link(self, a: str, b: str) -> None:
        if a != b:
            self.edges.add((a, b))

    def around(self, holder: str) -> Chain:
        """The part of the chain that touches one holder (its upstream and downstream)."""
        hid = f"holder:{holder}"
        keep = {hid}
        frontier = {hid}
        while frontier:  # upstream
            frontier = {a for a, b in self.edges if b in frontier} - keep
            keep |= frontier
        frontier = {hid}
        while frontier:  # downstream
            frontier = {b for a, b in self.edges if a in frontier} - keep
            keep |= frontier
        sub = Chain(sources=self.sources)
        sub.nodes = {k: v for k, v in self.nodes.items() if k in keep}
        sub.edges = {(a, b) for a, b in self.edges if a in keep and b in keep}
        return sub


@dataclass
class Scope:
    """The case (holder None) or one holder."""

    holder: str | None
    title: str
    limit: int
    record_counts: dict[str, int] = field(default_factory=dict)
    evidence_files: int = 0
    finding_types: list[tuple[str, str, int]] = field(default_factory=list)
    pi: list[PiRow] = field(default_factory=list)
    daily: list[Daily] = field(default_factory=list)
    call_stats: dict[str, Any] = field(default_factory=dict)
    sms_stats: dict[str, Any] = field(default_factory=dict)
    scripts_total: int = 0
    scripts: list[ev.Quoted] = field(default_factory=list)
    bribery_total: int = 0
    bribery: list[ev.Quoted] = field(default_factory=list)
    intent: Table | None = None  # the behaviour stage's intent grades
    behaviour: list[Table] = field(default_factory=list)
    payments: Table | None = None
    payments_sum: float = 0.0
    bribery_payments: int = 0
    link_tables: list[Table] = field(default_factory=list)
    findings_total: int = 0
    findings: list[ev.Finding] = field(default_factory=list)
    unresolved: int = 0
    chain: Chain | None = None

    @property
    def findings_truncated(self) -> bool:
        return self.findings_total > len(self.findings)

    @property
    def pi_crossed(self) -> list[PiRow]:
        return [p for p in self.pi if p.crossed]


@dataclass
class Run:
    """One row of ``analysis_runs``: which stage ran, with which version and parameters."""

    analysis: str
    version: str
    ran_at: str
    params: str


@dataclass
class ReportData:
    case_name: str
    agency: str
    generated_at: str
    reveal: bool
    holders: list[str]
    runs: list[Run]
    case_scope: Scope
    holder_scopes: list[Scope]
    tables: dict[str, list[str]]
    law_ids: set[str] = field(default_factory=set)
    target_order: list[str] = field(default_factory=list)  # holders best first (targets table)


# ---- gathering ------------------------------------------------------------------------------


# The stages' tables the report reads (all declared in qinglian.store.tables).
READS: tuple[str, ...] = (
    "evidence", "findings", "analysis_runs", "pi_inventory", "behaviour_numbers", "behaviour_accounts",
    "behaviour_holders", "behaviour_sms", "behaviour_notes", "list_order", "intent_grades", "campaigns",
    "entities", "links", "resolution", "upstream", "list_overlaps", "leak_clusters", "targets",
    "cross_case_overlaps",
)


def _require_stages(present: dict[str, list[str]]) -> None:
    """Every table the report reads must be there: the report shows results, it does not make them."""
    missing = sorted(n for n in READS if n not in present)
    if missing:
        raise QinglianError(
            f"案件尚未完成分析，缺少结果表：{'、'.join(missing)}",
            f"the case has not been analysed: missing result tables {', '.join(missing)}",
            hint_zh="先依次运行 qinglian analyze、qinglian link、qinglian targets（案件目录），再生成报告",
            hint_en="run qinglian analyze, qinglian link and qinglian targets on the case first",
        )


def _params_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def runs(con: duckdb.DuckDBPyConnection) -> list[Run]:
    rows = con.execute(
        f"SELECT * FROM ({tbl.ANALYSIS_RUNS.select('analysis', 'version', 'ran_at', 'params')}) "
        "ORDER BY analysis, ran_at"
    ).fetchall()
    return [Run(str(a), str(v), str(r), _params_text(p)) for a, v, r, p in rows]


def holders(con: duckdb.DuckDBPyConnection) -> list[str]:
    parts = " UNION ".join(f"SELECT holder FROM {quote_ident(k)}" for k in KINDS)
    rows = con.execute(
        f"SELECT DISTINCT holder FROM ({parts} UNION SELECT holder FROM evidence) WHERE holder IS NOT NULL "
        "ORDER BY holder"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> Any:
    row = con.execute(sql, params).fetchone()
    return row[0] if row else None


def _holder_cond(holder: str | None) -> tuple[str, list[Any]]:
    return ("WHERE holder = ?", [holder]) if holder is not None else ("", [])


def _daily(con: duckdb.DuckDBPyConnection, kind: str, ts: str, holder: str | None) -> Daily:
    cond, params = _holder_cond(holder)
    sep = " AND " if cond else " WHERE "
    rows = con.execute(
        f"SELECT CAST({ts} AS DATE) d, count(*) FROM {quote_ident(kind)} {cond}{sep}{ts} IS NOT NULL GROUP BY d ORDER BY d",
        params,
    ).fetchall()
    total = int(_one(con, f"SELECT count(*) FROM {quote_ident(kind)} {cond}", params) or 0)
    days = [(r[0], int(r[1])) for r in rows]
    return Daily(kind, days, total, total - sum(n for _, n in days))


def _pi(con: duckdb.DuckDBPyConnection, holder: str | None, scope: Scope) -> None:
    """The PI stage's inventory: each holder's total per category (rows with no evidence file),
    and the files it was found in; for the case, the holders' totals added up."""
    cond, params = _holder_cond(holder)
    rows = con.execute(
        "SELECT category, tier, sum(subjects) FILTER (WHERE evidence_sha256 IS NULL), "
        f"count(DISTINCT evidence_sha256) FROM ({tbl.PI_INVENTORY.select()}) {cond} GROUP BY ALL "
        "ORDER BY 3 DESC NULLS LAST, 1",
        params,
    ).fetchall()
    scope.pi = [PiRow(str(c), str(t), int(n or 0), int(f), int(t)) for c, t, n, f in rows]


def _calls_stats(con: duckdb.DuckDBPyConnection, holder: str | None) -> dict[str, Any]:
    cond, params = _holder_cond(holder)
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE answered), count(DISTINCT callee), count(DISTINCT caller), "
        f"count(DISTINCT account), sum(duration_s) FROM calls {cond}",
        params,
    ).fetchone()
    assert row is not None
    return {"通话总数": int(row[0]), "接通": int(row[1]), "被叫号码数（去重）": int(row[2]),
            "主叫/外显号码数": int(row[3]), "外呼账号数": int(row[4]),
            "通话总时长（分钟）": round(float(row[5] or 0) / 60, 1)}


def _sms_stats(con: duckdb.DuckDBPyConnection, holder: str | None) -> dict[str, Any]:
    cond, params = _holder_cond(holder)
    row = con.execute(
        "SELECT count(*), count(DISTINCT recipient), count(DISTINCT account), count(DISTINCT signature) "
        f"FROM sms {cond}",
        params,
    ).fetchone()
    assert row is not None
    return {"短信总数": int(row[0]), "接收号码数（去重）": int(row[1]), "发送账号数": int(row[2]),
            "签名数": int(row[3])}


def _payments(con: duckdb.DuckDBPyConnection, redactor: Redactor, holder: str | None,
              limit: int, scope: Scope) -> None:
    cond, params = _holder_cond(holder)
    scope.payments_sum = float(_one(con, f"SELECT sum(amount) FROM payments {cond}", params) or 0)
    total = int(_one(con, f"SELECT count(*) FROM payments {cond}", params) or 0)
    # memos the text stage labelled bribery (its rules are the one bribery vocabulary)
    bribed = ("(SELECT DISTINCT evidence_sha256, sheet, row_no FROM findings "
              "WHERE label = 'bribery' AND kind = 'payments')")
    scope.bribery_payments = int(_one(
        con, f"SELECT count(*) FROM payments p SEMI JOIN {bribed} b ON b.evidence_sha256 = p.evidence_sha256 "
        f"AND b.sheet IS NOT DISTINCT FROM p.sheet AND b.row_no = p.row_no {cond.replace('holder', 'p.holder')}",
        params) or 0)
    rows = con.execute(
        "SELECT p.payer, p.payee, p.amount, p.paid_at, p.memo, b.row_no IS NOT NULL hint, "
        "p.evidence_sha256, e.file_name, p.sheet, p.row_no FROM payments p "
        f"LEFT JOIN {bribed} b ON b.evidence_sha256 = p.evidence_sha256 "
        "AND b.sheet IS NOT DISTINCT FROM p.sheet AND b.row_no = p.row_no "
        f"LEFT JOIN evidence e ON e.sha256 = p.evidence_sha256 {cond.replace('holder', 'p.holder')} "
        "ORDER BY hint DESC, p.amount DESC NULLS LAST, p.paid_at LIMIT ?",
        [*params, limit],
    ).fetchall()
    out = []
    for payer, payee, amount, paid_at, memo, hint, sha, fname, sheet, row_no in rows:
        cit = ev.Citation("payments", str(sha), redactor.text(str(fname or "")), str(sheet or ""),
                          int(row_no), True)
        out.append([redactor.cell("payer", payer), redactor.cell("payee", payee), amount, paid_at, redactor.text(memo),
                    "是" if hint else "", cit])
    scope.payments = Table(
        title="付款记录", columns=["付款方", "收款方", "金额（元）", "时间", "备注", "贿赂提示", "证据"],
        rows=out, total=total,
    )


LINK_TABLES: tuple[str, ...] = ("targets", "upstream", "list_overlaps", "leak_clusters", "cross_case_overlaps")


def _converters(table: str, reader: ReasonReader) -> dict[str, Callable[[Any], Any]]:
    """Cells shown in words: reasons with their citations, list ids as file names, codes."""
    conv: dict[str, Callable[[Any], Any]] = {"reasons": reader.cell}
    for col in ("list_a", "list_b", "list_id") + (("evidence_sha256",) if table == "list_order" else ()):
        conv[col] = reader.list_name
    for col, words in CODES.items():
        conv[col] = _in_words(col, words, reader.redactor)
    conv["fingerprint_detail"] = reader.why
    return conv


def _in_words(col: str, words: dict[str, str], redactor: Redactor) -> Callable[[Any], Any]:
    def show(v: Any) -> Any:
        return words.get(str(v), redactor.cell(col, v))

    return show


def _read(con: duckdb.DuckDBPyConnection, table: str, cols: list[str], redactor: Redactor, reader: ReasonReader,
          holder: str | None, limit: int) -> Table:
    shown, headers = shown_columns(table, cols)
    order = ["phase"] if table == "targets" and "phase" in cols else None
    return read_table(con, table, shown, redactor, title=spec_title(table, table), holder=holder, limit=limit,
                      headers=headers, convert=_converters(table, reader), order_by=order)


def _other_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, list[str]], redactor: Redactor,
                  holder: str | None, limit: int, scope: Scope) -> None:
    reader = ReasonReader(con, redactor)
    names = sorted(n for n in tables if n.startswith("behaviour_"))
    names += [n for n in ("list_order", "campaigns") if n in tables]
    scope.intent = _read(con, "intent_grades", list(tbl.INTENT_GRADES.names), redactor, reader, holder, limit)
    for n in names:
        cols = tables[n]
        if holder is not None and "holder" not in cols:
            continue
        scope.behaviour.append(_read(con, n, cols, redactor, reader, holder, limit))
    for n in LINK_TABLES:
        if n not in tables:
            continue
        cols = tables[n]
        if holder is not None and "holder" not in cols:
            continue
        scope.link_tables.append(_read(con, n, cols, redactor, reader, holder, limit))
    if holder is None:
        scope.link_tables.append(_resolution(con, redactor, limit))
    reader.resolve()



def _resolution(con: duckdb.DuckDBPyConnection, redactor: Redactor, limit: int) -> Table:
    """Names merged by the resolver, with the Splink match weight that merged them."""
    where = "WHERE record_name IS DISTINCT FROM canonical_name"
    total = int(_one(con, f"SELECT count(*) FROM resolution {where}", []) or 0)
    rows = con.execute(
        f"SELECT canonical_name, record_name, source, match_weight, match_probability FROM resolution {where} "
        "ORDER BY canonical_name, match_weight DESC LIMIT ?", [limit]).fetchall()

    def name(v: Any) -> Any:
        return redactor.cell("name", v)

    return Table(
        title="名称归并（Splink 概率匹配，附匹配权重）", name="resolution", total=total,
        columns=["canonical_name", "record_name", "source", "match_weight", "match_probability"],
        headers=["归并为", "原记录名称", "来源字段", "匹配权重", "匹配概率"],
        rows=[[name(c), name(r), str(src or ""), round(float(w), 2) if w is not None else None,
               round(float(pr), 4) if pr is not None else None] for c, r, src, w, pr in rows],
    )


def chain(con: duckdb.DuckDBPyConnection, tables: dict[str, list[str]], redactor: Redactor) -> Chain:
    """vendor → accounts → holders → lists → leak sources, from the records and the link tables."""
    g = Chain()
    known = set(holders(con))
    for h in known:
        g.add(f"holder:{h}", h, 2)
    # The vendor's account table: its holder is the vendor; each account serves a customer company.
    for vendor, account, customer in con.execute(
        "SELECT DISTINCT holder, account, customer FROM accounts WHERE account IS NOT NULL"
    ).fetchall():
        v = g.add(f"vendor:{vendor}", str(vendor), 0)
        a = g.add(f"account:{account}", redactor.text(str(account)), 1)
        g.link(v, a)
        if customer is not None and str(customer) in known:
            g.link(a, f"holder:{customer}")
        g.sources.append("accounts")
    for kind in ("calls", "sms"):
        for holder, account in con.execute(
            f"SELECT DISTINCT holder, account FROM {quote_ident(kind)} WHERE account IS NOT NULL"
        ).fetchall():
            a = g.add(f"account:{account}", redactor.text(str(account)), 1)
            g.link(a, f"holder:{holder}")
    for holder, sha, sheet, fname in con.execute(
        "SELECT DISTINCT c.holder, c.evidence_sha256, c.sheet, e.file_name FROM customers c "
        "LEFT JOIN evidence e ON e.sha256 = c.evidence_sha256"
    ).fetchall():
        label = str(fname or str(sha)[:12]) + (f"/{sheet}" if sheet else "")
        lst = g.add(f"list:{sha}:{sheet or ''}", redactor.text(label), 3)
        g.link(f"holder:{holder}", lst)
    _chain_links(con, redactor, g)
    for cid, list_id, holder, fname in con.execute(
        f"SELECT DISTINCT * FROM ({tbl.LEAK_CLUSTERS.select('cluster_id', 'list_id', 'holder', 'file_name')})"
    ).fetchall():
        src = g.add(f"leak:{cid}", f"泄露源 {cid}", 4)
        lst = f"list:{list_id}"
        if lst not in g.nodes and f"{lst}:" in g.nodes:  # list ids with and without the sheet
            lst = f"{lst}:"
        if lst not in g.nodes:
            lst = g.add(lst, redactor.text(str(fname or list_id)), 3)
            if holder is not None:
                g.link(f"holder:{holder}", lst)
        g.link(lst, src)
    g.sources.append("leak_clusters")
    return g


# Entity id prefixes of the link analysis (``entities.entity_id`` is "type:key") and their layer.
LINK_LAYERS: dict[str, int] = {"vendor": 0, "platform": 0, "account": 1, "holder": 2, "list": 3}


def _chain_links(con: duckdb.DuckDBPyConnection, redactor: Redactor, g: Chain) -> None:
    """Edges of the link analysis between vendor/platform, account, holder and list entities."""
    names = {str(i): str(n) for i, n in con.execute(
        f"SELECT entity_id, any_value(name) FROM ({tbl.ENTITIES.select('entity_id', 'name')}) GROUP BY 1"
    ).fetchall()}
    for src, dst in con.execute(f"SELECT DISTINCT * FROM ({tbl.LINKS.select('src', 'dst')})").fetchall():
        ends = []
        for nid in (str(src), str(dst)):
            kind, _, key = nid.partition(":")
            if kind not in LINK_LAYERS:
                break
            ends.append((nid, names.get(nid, key), LINK_LAYERS[kind]))
        if len(ends) != 2 or ends[0][2] >= ends[1][2]:
            continue
        for nid, label, layer in ends:
            g.add(nid, redactor.text(label), layer)
        g.link(ends[0][0], ends[1][0])
    g.sources.append("links")


def gather_scope(con: duckdb.DuckDBPyConnection, tables: dict[str, list[str]], redactor: Redactor,
                 holder: str | None, limit: int, full_chain: Chain) -> Scope:
    title = "全案" if holder is None else holder
    s = Scope(holder=holder, title=title, limit=limit)
    cond, params = _holder_cond(holder)
    for k in KINDS:
        s.record_counts[k] = int(_one(con, f"SELECT count(*) FROM {quote_ident(k)} {cond}", params) or 0)
    s.evidence_files = int(_one(con, f"SELECT count(*) FROM evidence {cond}", params) or 0)
    s.finding_types = ev.finding_types(con, holder)
    _pi(con, holder, s)
    s.daily = [_daily(con, "calls", "started_at", holder), _daily(con, "sms", "sent_at", holder)]
    s.call_stats = _calls_stats(con, holder)
    s.sms_stats = _sms_stats(con, holder)
    s.scripts_total, s.scripts = ev.quoted(con, redactor, holder=holder, bribery=False,
                                           limit=limit)
    s.bribery_total, s.bribery = ev.quoted(con, redactor, holder=holder, bribery=True, limit=limit)
    _payments(con, redactor, holder, limit, s)
    _other_tables(con, tables, redactor, holder, limit, s)
    s.findings_total = ev.count_findings(con, holder)
    s.findings = list(ev.iter_findings(con, redactor, holder=holder, limit=limit))
    s.unresolved = sum(1 for f in s.findings if not f.citation.resolved)
    s.chain = full_chain if holder is None else full_chain.around(holder)
    return s


def gather(
    con: duckdb.DuckDBPyConnection,
    *,
    case_name: str,
    agency: str,
    holder: str | None = None,
    reveal: bool = False,
    limit: int = 200,
    holder_limit: int = 20,
) -> ReportData:
    """The whole report's content. With ``holder`` only that holder's scope (and no case scope)."""
    redactor = Redactor(reveal)
    tables = schema_tables(con)
    _require_stages(tables)
    ev.prepare(con)
    all_holders = holders(con)
    full_chain = chain(con, tables, redactor)
    if holder is not None:
        case_scope = gather_scope(con, tables, redactor, holder, limit, full_chain)
        holder_scopes: list[Scope] = []
    else:
        case_scope = gather_scope(con, tables, redactor, None, limit, full_chain)
        holder_scopes = [gather_scope(con, tables, redactor, h, holder_limit, full_chain)
                         for h in all_holders]
    rows = con.execute("SELECT holder, min(rank) FILTER (WHERE phase = 'after') a, min(rank) b "
                       f"FROM ({tbl.TARGETS.select('holder', 'rank', 'phase')}) GROUP BY 1 "
                       "ORDER BY a NULLS LAST, b NULLS LAST, 1").fetchall()
    target_order = [str(r[0]) for r in rows]
    return ReportData(
        target_order=target_order,
        case_name=case_name,
        agency=agency,
        generated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        reveal=reveal,
        holders=all_holders if holder is None else [holder],
        runs=runs(con),
        case_scope=case_scope,
        holder_scopes=holder_scopes,
        tables=tables,
        law_ids={i for (law,) in con.execute(
            "SELECT DISTINCT law FROM findings WHERE law IS NOT NULL AND (? IS NULL OR holder = ?)",
            [holder, holder]).fetchall() for i in ev.split_law(str(law))},
    )
