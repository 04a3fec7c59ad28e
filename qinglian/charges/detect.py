"""From stored detections to candidate charges and leads, one builder per conduct type.

Each builder checks the elements of its conduct (see conduct.py) for every holder at once, with
set-based queries grouped by holder, and returns ``Candidate``s: a charge where every element is
shown, a lead where one is missing. The supporting rows of all holders are staged once per builder
in a temporary table (``Context.stage``), from which build.py takes each candidate's period, digest
and representative rows; each candidate also carries its own supporting set as stored queries
(evidence.Query, one holder's rows) so the user can open it later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.charges.evidence import Query
from qinglian.store.db import columns_of
from qinglian.store.sqlident import quote_ident

Text = tuple[str, str]

# a consumer's refusal inside a transcript: only in the consumer's turn, never the caller's own
# "如果您不需要…" (a compliant script offers exactly that)
REFUSAL_RE = r"(?:客户|用户|被叫|消费者)[:：][^:：]{0,20}?(?:不需要|别再打|不要再打|别打了|不要打了|拒绝|别再联系|不要再联系)"
OPTOUT_REPLY_RE = r"^\s*(?:退订|td|t|n|取消|拒收|退订[^a-z]{0,10}|不要再发)\s*[!！。.]?\s*$"
REPLY_STATUS_RE = r"上行|回复|^\s*MO\s*$"
CONSENT_SOURCE_RE = r"授权|同意|本人|申请|来电|到店|登记|官网|预约"
OTHERS_SOURCE_RE = r"资源|购买|买入|外部|渠道|数据|名单|导入|采集|爬|网络|朋友|推荐|老客户|共享"
# claimed insider ties with banks; a claimed partnership with a named bank ("我们是某银行合作机构") is
# confusion (a "specific connection" under the AUCL) and is charged as impersonation instead
PARTNER_RE = r"内部关系|内部渠道|银行有关系|行内关系|审批人员很熟|审批的人很熟|和银行[^，。,]{0,6}很熟|银行系统推荐"
BANK_RE = r"银行|支行|分行|信用社|农商行|信贷|审批"
DATA_SALE_RE = r"(?:发|卖|出售|转|给)(?:你|您|他|他们)?[^，。,]{0,6}(?:名单|客户资料|号码包|资源包|数据包)"
SAY_RE = re.compile(r"^(?:这里是|这边是|我是|我们是|我这边是|我们这边是|我这里是|本人是|我们这里是|尊敬的)")
GENERIC_RE = re.compile(
    r"(?:银行|金融|信用卡中心|消费金融部|个人贷款中心|贷款中心|客户经理|分行|支行|总行|服务|有限公司|公司|的|中心|部)+$"
)
# An SMS signature that names a bank or one of its units ("【信用卡中心】", "【某某银行】"): a sender that
# is not that institution signs in its name.
FINANCIAL_SIGNATURE_RE = re.compile(r"银行|信用卡中心|信用社|农商行|农信|银联|个人贷款中心|消费金融中心")
# A holder whose own name says it is a bank may be the institution it names: only a lead then.
BANK_NAME_RE = re.compile(r"银行|信用社|信用合作联社")
COMMERCIAL_LABELS = ("marketing", "loan")
TIERS = {"credit": 50, "identity": 5000, "contact": 5000, "address": 5000, "employer": 5000}
PI_COLUMNS = {"identity": "coalesce(id_number, name)", "contact": "phone", "address": "address",
              "employer": "employer", "credit": "credit_info"}



# the distinct person behind a customer row, as the PI counts use it
PERSON = "coalesce(id_number, phone, name)"
PI_QUOTE = """concat_ws('、', CASE WHEN name IS NOT NULL THEN '姓名' END, CASE WHEN phone IS NOT NULL THEN '电话' END,
                                 CASE WHEN id_number IS NOT NULL THEN '身份证号' END, CASE WHEN address IS NOT NULL THEN '住址' END,
                                 CASE WHEN employer IS NOT NULL THEN '工作单位' END,
                                 CASE WHEN credit_info IS NOT NULL THEN '征信/负债' END,
                                 CASE WHEN source IS NOT NULL THEN '来源：' || source END)"""
PAID_FOR_DATA = "payee = holder AND regexp_matches(coalesce(memo, ''), '数据|名单|资源|客户资料')"

# temporary tables of one build (connection-local, dropped by Context.close)
SUPPORT = "_charges_support"
HOLDERS = "_charges_holders"
LISTS = "_charges_lists"
CONSENT = "_charges_consent"
ARROW_TYPES = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64()}


@dataclass
class Candidate:
    holder: str
    conduct: str
    queries: list[Query]
    facts: Text
    scale: dict[str, Any] = field(default_factory=dict)
    strength: str = "moderate"
    reasons: list[Text] = field(default_factory=list)
    referral: bool = False
    lead: Text | None = None  # why this is only a lead (the missing element)
    source: str = ""
    extra_provisions: tuple[str, ...] = ()  # e.g. criminal provisions when a threshold is met
    parts: list[str] = field(default_factory=list)  # staged tags whose rows of this holder support it


@dataclass
class Lists:
    """Customer lists of a holder: consented ones, and ones obtained from others."""

    consented: list[str]  # evidence_sha256 of lists with consent records
    others: list[str]  # lists from others (source words, or shared with another holder)
    unknown: list[str]  # neither shown


def exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(columns_of(con, name))


def _in_list(sql_col: str) -> str:
    return f"{sql_col} IN (SELECT unnest(?::VARCHAR[]))"


class Context:
    """The case seen once for all holders: which tables exist, the holders, their customer lists,
    and the staged supporting rows (``SUPPORT``: tag, holder and evidence.COLUMNS)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.has = {n: exists(con, n) for n in (
            "customers", "calls", "sms", "chats", "payments", "findings", "campaign_members", "list_order",
            "list_overlaps", "intent_grades", "claims",
        )}
        self.holders = self._holders()
        self.lists = self._lists()
        self._temps: list[str] = []
        self.quotes: dict[tuple[str, str], str] = {}  # (tag, kind) -> quote expression over the kind's view
        self.hits: dict[str, dict[str, int]] = {}  # label -> holder -> staged rule hits (see _text_hits)
        try:
            self._create()
        except BaseException:
            self.close()
            raise

    def _create(self) -> None:
        self.temp(HOLDERS, [("holder", "VARCHAR")], [(h,) for h in self.holders])
        self.temp(LISTS, [("holder", "VARCHAR"), ("sha", "VARCHAR"), ("cls", "VARCHAR")], [
            (h, sha, cls) for h, lst in self.lists.items()
            for cls, shas in (("consented", lst.consented), ("others", lst.others), ("unknown", lst.unknown))
            for sha in shas
        ])
        self.materialise(SUPPORT, """SELECT CAST(NULL AS VARCHAR) AS tag, CAST(NULL AS VARCHAR) AS holder,
                                            CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS VARCHAR) AS evidence_sha256,
                                            CAST(NULL AS VARCHAR) AS sheet, CAST(NULL AS BIGINT) AS row_no,
                                            CAST(NULL AS TIMESTAMP) AS ts, CAST(NULL AS VARCHAR) AS quote,
                                            CAST(NULL AS VARCHAR) AS grp LIMIT 0""")
        if self.has["customers"]:
            self.materialise(CONSENT, f"""SELECT DISTINCT l.holder, c.phone FROM customers c
                                          JOIN {LISTS} l ON c.evidence_sha256 = l.sha
                                          WHERE l.cls = 'consented' AND c.phone IS NOT NULL""")

    def _holders(self) -> list[str]:
        parts = [f"SELECT DISTINCT holder FROM {k}" for k in ("customers", "calls", "sms", "chats", "payments") if self.has[k]]
        if not parts:
            return []
        return [str(r[0]) for r in self.con.execute(" UNION ".join(parts) + " ORDER BY 1").fetchall() if r[0]]

    def _lists(self) -> dict[str, Lists]:
        out: dict[str, Lists] = {h: Lists([], [], []) for h in self.holders}
        if not self.has["customers"]:
            return out
        shared: set[str] = set()
        if self.has["list_overlaps"]:
            # a list shared in large part with another holder's list came from a common source
            for a, b in self.con.execute(
                """SELECT list_a, list_b FROM list_overlaps
                   WHERE greatest(containment_a_in_b, containment_b_in_a) >= 0.2 AND shared >= 20"""
            ).fetchall():
                shared.add(str(a).split(":")[0])
                shared.add(str(b).split(":")[0])
        rows = self.con.execute(
            f"""SELECT holder, evidence_sha256, count(*) AS n,
                       count(*) FILTER (WHERE regexp_matches(coalesce(source, ''), '{CONSENT_SOURCE_RE}')
                                          OR regexp_matches(coalesce(CAST(extra AS VARCHAR), ''), '授权|同意'))
                                          AS consent,
                       count(*) FILTER (WHERE regexp_matches(coalesce(source, ''), '{OTHERS_SOURCE_RE}')) AS others
                FROM customers GROUP BY holder, evidence_sha256 ORDER BY holder, evidence_sha256"""
        ).fetchall()
        for holder, sha, n, consent, others in rows:
            lst = out.setdefault(str(holder), Lists([], [], []))
            if consent >= 0.8 * n:
                lst.consented.append(str(sha))
            elif others >= 0.2 * n or sha in shared:
                lst.others.append(str(sha))
            else:
                lst.unknown.append(str(sha))
        return out

    # -- temporary tables --------------------------------------------------------------------

    def temp(self, name: str, columns: list[tuple[str, str]], rows: Sequence[tuple[Any, ...]]) -> None:
        """A temporary table of Python rows (through Arrow: one bulk copy, not a row at a time)."""
        table = pa.table({c: pa.array([r[i] for r in rows], type=ARROW_TYPES[t]) for i, (c, t) in enumerate(columns)})
        view = f"{name}_arrow"
        self.con.register(view, table)
        try:
            self.materialise(name, f"SELECT * FROM {quote_ident(view)}")
        finally:
            self.con.unregister(view)

    def materialise(self, name: str, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS {sql}", list(params))
        if name not in self._temps:
            self._temps.append(name)

    def close(self) -> None:
        for name in reversed(self._temps):
            self.con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(name)}")
        self._temps.clear()

    # -- queries over all holders ------------------------------------------------------------

    def not_consented(self, col: str, holder_col: str) -> str:
        """``col`` is not a number its row's holder has consent for: ``col NOT IN (the holder's
        consented phones)``, NULL semantics included (a NULL number passes only an empty set)."""
        if not self.has["customers"]:
            return "TRUE"
        return (f"(NOT EXISTS (SELECT 1 FROM {CONSENT} k WHERE k.holder = {holder_col} AND k.phone = {col})"
                f" AND ({col} IS NOT NULL OR {holder_col} NOT IN (SELECT holder FROM {CONSENT})))")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def per_holder(self, sql: str, params: Sequence[Any] = ()) -> dict[str, tuple[Any, ...]]:
        """holder -> the other columns of a query grouped by holder (its first column)."""
        return {str(r[0]): tuple(r[1:]) for r in self.rows(sql, params)}

    def stage(self, tag: str, sql: str, params: Sequence[Any] = (), quotes: dict[str, str] | None = None) -> dict[str, int]:
        """Add the supporting rows of every holder under ``tag``: ``sql`` selects ``holder`` and
        evidence.COLUMNS. Returns the rows staged under the tag so far, per holder.

        With ``quotes`` (kind -> expression over that kind's view, the same text ``sql`` quotes)
        the text is not copied: only a handful of rows are shown, and fill_quotes reads theirs by key.
        """
        self.stage_tagged((tag,), f"SELECT ? AS tag, * FROM ({sql})", [tag, *params], quotes)
        return self.count(tag)

    def stage_tagged(self, tags: Sequence[str], sql: str, params: Sequence[Any] = (),
                     quotes: dict[str, str] | None = None) -> None:
        """stage() for a ``sql`` that also selects ``tag`` (one of ``tags``): several sets in one pass."""
        for tag in tags:
            for kind, expr in (quotes or {}).items():
                self.quotes[(tag, kind)] = expr
        self.con.execute(
            f"""INSERT INTO {SUPPORT} SELECT tag, holder, kind, evidence_sha256, sheet, row_no, ts,
                                             {'NULL' if quotes else 'quote'}, grp
                FROM ({sql}) WHERE holder IN (SELECT holder FROM {HOLDERS})""",
            list(params),
        )

    def fill_quotes(self, items: list[dict[str, Any]]) -> None:
        """Set ``quote`` of staged rows (dicts with tag, kind and the row key) whose text was left behind."""
        wanted: dict[tuple[str, str], list[int]] = {}
        for i, item in enumerate(items):
            expr = self.quotes.get((str(item["tag"]), str(item["kind"])))
            if expr is not None:
                wanted.setdefault((str(item["kind"]), expr), []).append(i)
        for (kind, expr), idx in wanted.items():
            self.temp("_charges_quoted", [("q_i", "BIGINT"), ("q_sha", "VARCHAR"), ("q_sheet", "VARCHAR"), ("q_row", "BIGINT")],
                      [(i, items[i]["evidence_sha256"], items[i]["sheet"], items[i]["row_no"]) for i in idx])
            for i, quote in self.rows(
                f"""SELECT q.q_i, {expr} FROM {quote_ident(kind)} x JOIN _charges_quoted q
                      ON x.evidence_sha256 = q.q_sha AND x.row_no = q.q_row AND x.sheet IS NOT DISTINCT FROM q.q_sheet"""):
                items[int(i)]["quote"] = quote

    def count(self, tag: str, distinct_groups: bool = False) -> dict[str, int]:
        what = "count(DISTINCT grp)" if distinct_groups else "count(*)"
        return {h: int(v[0]) for h, v in self.per_holder(
            f"SELECT holder, {what} FROM {SUPPORT} WHERE tag = ? GROUP BY holder", [tag]).items()}


Builder = Callable[[Context], list[Candidate]]


# -- personal information -----------------------------------------------------------------------


def _pi_query(holder: str, shas: list[str]) -> Query:
    return Query(
        f"""SELECT 'customers' AS kind, evidence_sha256, sheet, row_no, CAST(NULL AS TIMESTAMP) AS ts,
                   {PI_QUOTE} AS quote,
                   evidence_sha256 AS grp
            FROM customers WHERE holder = ? AND {_in_list('evidence_sha256')}""",
        [holder, shas], "客户名单中的个人信息（来自他人）", "PI in customer lists obtained from others",
    )


def pi_unlawful(ctx: Context) -> list[Candidate]:
    if not ctx.has["customers"]:
        return []
    counts = ", ".join(
        f"count(DISTINCT {PERSON}) FILTER (WHERE {expr} IS NOT NULL AND trim(CAST({expr} AS VARCHAR)) <> '')"
        for expr in PI_COLUMNS.values()
    )
    # counted over every row of the lists' files, as the stored queries select them by file
    stats = {(str(r[0]), str(r[1])): r[2:] for r in ctx.rows(
        f"""SELECT l.holder, l.cls, {counts}, count(DISTINCT {PERSON}),
                   count(DISTINCT {PERSON}) FILTER (WHERE credit_info IS NOT NULL AND trim(credit_info) <> '')
            FROM customers c JOIN {LISTS} l ON c.evidence_sha256 = l.sha
            WHERE l.cls IN ('others', 'unknown') GROUP BY l.holder, l.cls""")}
    for cls in ("others", "unknown"):
        ctx.stage(f"pi_unlawful.{cls}", f"""
            SELECT c.holder, 'customers' AS kind, evidence_sha256, sheet, row_no, CAST(NULL AS TIMESTAMP) AS ts,
                   {PI_QUOTE} AS quote, evidence_sha256 AS grp
            FROM customers c JOIN {LISTS} l ON c.holder = l.holder AND c.evidence_sha256 = l.sha WHERE l.cls = ?""", [cls],
                  quotes={"customers": PI_QUOTE})
    out: list[Candidate] = []
    for holder in ctx.holders:
        lists = ctx.lists.get(holder)
        if not lists or not (lists.others or lists.unknown):
            continue
        for shas, is_lead, cls in ((lists.others, False, "others"), (lists.unknown, True, "unknown")):
            if not shas:
                continue
            row = stats.get((holder, cls)) or (0,) * (len(PI_COLUMNS) + 2)
            counts_of = {cat: int(n) for cat, n in zip(PI_COLUMNS, row, strict=False)}
            subjects, serious50 = int(row[len(PI_COLUMNS)]), int(row[len(PI_COLUMNS) + 1])
            # each subject in its most serious tier (credit: 50, else 5000), summed as shares of the threshold
            ratio = serious50 / 50 + (subjects - serious50) / 5000
            pi = {cat: {"records": n, "tier": TIERS[cat]} for cat, n in counts_of.items() if n}
            q = _pi_query(holder, shas)
            parts = [f"pi_unlawful.{cls}"]
            scale = {"pi": pi, "subjects": subjects, "lists": len(shas), "threshold_ratio": round(ratio, 3)}
            facts = (
                f"持有来自他人的客户名单 {len(shas)} 份，涉及 {subjects} 名消费者的个人信息，无同意记录",
                f"holds {len(shas)} customer lists obtained from others with PI of {subjects} consumers and no consent on record",
            )
            if is_lead:
                out.append(Candidate(holder, "pi_unlawful", [q], facts, scale, lead=(
                    "名单来源不明：既无同意记录，也无来自他人的证据（来源字段、与他人名单重合）",
                    "origin of the list not shown: no consent records, and nothing shows it came from others",
                ), source="customers", parts=parts))
                continue
            cand = Candidate(holder, "pi_unlawful", [q], facts, scale, source="customers", parts=parts)
            cand.strength = "strong"
            cand.reasons = [("名单来源字段或与其他单位名单重合表明来自他人", "source field or overlap with other holders' lists shows the list came from others")]
            if ratio >= 1:
                cand.referral = True
                cand.extra_provisions = ("criminal.253-1", "spc_spp.2017.pi")
                level = ("情节特别严重", "especially serious") if ratio >= 10 else ("情节严重", "serious")
                cand.reasons.append((
                    f"数量达到法释〔2017〕10号第五条{level[0]}标准（按比例合计 {ratio:.2f} 倍），应移送公安机关",
                    f"the counts reach the {level[1]} threshold of the 2017 interpretation, Art. 5 ({ratio:.2f}x combined): refer to the police",
                ))
            out.append(cand)
    return out


def pi_provide(ctx: Context) -> list[Candidate]:
    paid: dict[str, float] = {}
    chats: dict[str, int] = {}
    if ctx.has["payments"]:
        paid = {h: float(v[0]) for h, v in ctx.per_holder(
            f"SELECT holder, coalesce(sum(amount), 0) FROM payments WHERE {PAID_FOR_DATA} GROUP BY holder").items()}
        ctx.stage("pi_provide.payments", f"""SELECT holder, 'payments' AS kind, evidence_sha256, sheet, row_no, paid_at AS ts,
                                                    memo AS quote, payer AS grp FROM payments WHERE {PAID_FOR_DATA}""")
    if ctx.has["chats"]:
        chats = ctx.stage("pi_provide.chats", f"""SELECT holder, 'chats' AS kind, evidence_sha256, sheet, row_no, sent_at AS ts,
                                                         text AS quote, chat AS grp
                                                  FROM chats WHERE regexp_matches(coalesce(text, ''), '{DATA_SALE_RE}')""")
    out: list[Candidate] = []
    for holder in ctx.holders:
        money = paid.get(holder, 0.0)
        pay_q = Query(
            """SELECT 'payments' AS kind, evidence_sha256, sheet, row_no, paid_at AS ts, memo AS quote, payer AS grp
                   FROM payments WHERE holder = ? AND payee = holder
                     AND regexp_matches(coalesce(memo, ''), '数据|名单|资源|客户资料')""",
            [holder], "收取数据、名单款项", "payments received for data or lists") if money else None
        chat_q = Query(
            f"""SELECT 'chats' AS kind, evidence_sha256, sheet, row_no, sent_at AS ts, text AS quote, chat AS grp
                    FROM chats WHERE holder = ? AND regexp_matches(coalesce(text, ''), '{DATA_SALE_RE}')""",
            [holder], "发送、出售名单的聊天", "chats sending or selling lists") if chats.get(holder) else None
        if pay_q is None and chat_q is None:
            continue
        facts = ("向他人提供、出售客户名单或数据", "provided or sold customer lists or data to others")
        if pay_q is not None and chat_q is not None:
            out.append(Candidate(holder, "pi_provide", [pay_q, chat_q], facts, {"money": money}, "strong",
                                 [("收款记录与聊天相互印证", "payments and chats corroborate each other")],
                                 source="payments+chats", parts=["pi_provide.payments", "pi_provide.chats"]))
            continue
        one, part = (pay_q, "pi_provide.payments") if pay_q is not None else (chat_q, "pi_provide.chats")
        assert one is not None
        out.append(Candidate(holder, "pi_provide", [one], facts, {"money": money}, lead=(
            "只有一方面的证据（聊天或收款），尚不能认定提供、出售了个人信息",
            "only one kind of evidence (chats or payments): providing or selling PI is not shown",
        ), source="payments" if money else "chats", parts=[part]))
    return out


# -- marketing contacts -------------------------------------------------------------------------


def _commercial_sms(ctx: Context) -> str:
    return f"""s.holder = ? AND NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}')
               AND EXISTS (SELECT 1 FROM findings f WHERE f.kind = 'sms' AND f.evidence_sha256 = s.evidence_sha256
                           AND f.row_no = s.row_no AND f.sheet IS NOT DISTINCT FROM s.sheet
                           AND f.label IN ('marketing', 'loan'))"""


def _commercial_calls() -> str:
    # calls from the holder's accounts or numbers whose answered calls carry a marketing script
    return """c.holder = ? AND coalesce(c.account, c.caller) IN (
                 SELECT coalesce(c2.account, c2.caller) FROM calls c2 JOIN findings f
                   ON f.kind = 'calls' AND f.evidence_sha256 = c2.evidence_sha256 AND f.row_no = c2.row_no
                  AND f.sheet IS NOT DISTINCT FROM c2.sheet
                 WHERE c2.holder = ? AND f.label IN ('marketing', 'loan'))"""


def _consent_sql(ctx: Context, col: str) -> str:
    """One holder's form of Context.not_consented, for its stored queries (param: the consented list hashes)."""
    if not ctx.has["customers"]:
        return "TRUE"
    return f"{col} NOT IN (SELECT phone FROM customers WHERE phone IS NOT NULL AND {_in_list('evidence_sha256')})"


def unsolicited(ctx: Context) -> list[Candidate]:
    if not ctx.has["findings"]:
        return []
    sms_stats: dict[str, tuple[Any, ...]] = {}
    call_stats: dict[str, tuple[Any, ...]] = {}
    campaigns = ctx.has["campaign_members"]
    if ctx.has["sms"]:
        ctx.materialise("_charges_unsolicited_sms", f"""
            SELECT s.holder, s.evidence_sha256, s.sheet, s.row_no, s.sent_at, s.account, s.recipient
            FROM sms s
            WHERE s.holder IN (SELECT holder FROM {HOLDERS}) AND NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}')
              AND EXISTS (SELECT 1 FROM findings f WHERE f.kind = 'sms' AND f.evidence_sha256 = s.evidence_sha256
                          AND f.row_no = s.row_no AND f.sheet IS NOT DISTINCT FROM s.sheet
                          AND f.label IN ('marketing', 'loan'))
              AND {ctx.not_consented('s.recipient', 's.holder')}""")
        sms_stats = ctx.per_holder("SELECT holder, count(*), count(DISTINCT recipient) FROM _charges_unsolicited_sms GROUP BY holder")
        join = ("LEFT JOIN campaign_members m ON m.evidence_sha256 = s.evidence_sha256 AND m.row_no = s.row_no "
                "AND m.sheet IS NOT DISTINCT FROM s.sheet") if campaigns else ""
        grp = "coalesce(m.campaign_id, s.account)" if campaigns else "s.account"
        ctx.stage("unsolicited.sms", f"""SELECT s.holder, 'sms' AS kind, s.evidence_sha256, s.sheet, s.row_no, s.sent_at AS ts,
                                                NULL AS quote, {grp} AS grp FROM _charges_unsolicited_sms s {join}""",
                  quotes={"sms": "content"})
    if ctx.has["calls"]:
        ctx.materialise("_charges_marketing_lines", """
            SELECT DISTINCT c2.holder, coalesce(c2.account, c2.caller) AS line FROM calls c2 JOIN findings f
              ON f.kind = 'calls' AND f.evidence_sha256 = c2.evidence_sha256 AND f.row_no = c2.row_no
             AND f.sheet IS NOT DISTINCT FROM c2.sheet
            WHERE f.label IN ('marketing', 'loan')""")
        ctx.materialise("_charges_unsolicited_calls", f"""
            SELECT c.holder, c.evidence_sha256, c.sheet, c.row_no, c.started_at, c.callee, c.answered,
                   coalesce(c.script, c.task, c.account) AS grp
            FROM calls c
            WHERE c.holder IN (SELECT holder FROM {HOLDERS})
              AND EXISTS (SELECT 1 FROM _charges_marketing_lines k WHERE k.holder = c.holder AND k.line = coalesce(c.account, c.caller))
              AND {ctx.not_consented('c.callee', 'c.holder')}""")
        call_stats = ctx.per_holder("""SELECT holder, count(*), count(DISTINCT callee), count(*) FILTER (WHERE answered)
                                       FROM _charges_unsolicited_calls GROUP BY holder""")
        ctx.stage("unsolicited.calls", """SELECT c.holder, 'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts,
                                                 NULL AS quote, c.grp FROM _charges_unsolicited_calls c""",
                  quotes={"calls": "coalesce(transcript, script, task)"})
    claimed = _claimed_daily(ctx)
    out: list[Candidate] = []
    for holder in ctx.holders:
        lists = ctx.lists.get(holder) or Lists([], [], [])
        sms_n, sms_people = (int(x or 0) for x in sms_stats.get(holder, (0, 0)))
        calls_n, calls_people, answered = (int(x or 0) for x in call_stats.get(holder, (0, 0, 0)))
        people = sms_people + calls_people
        if people == 0:
            continue
        queries: list[Query] = []
        parts: list[str] = []
        if sms_n:
            where = f"{_commercial_sms(ctx)} AND {_consent_sql(ctx, 's.recipient')}"
            join = ("LEFT JOIN campaign_members m ON m.evidence_sha256 = s.evidence_sha256 AND m.row_no = s.row_no "
                    "AND m.sheet IS NOT DISTINCT FROM s.sheet") if campaigns else ""
            grp = "coalesce(m.campaign_id, s.account)" if campaigns else "s.account"
            queries.append(Query(
                f"""SELECT 'sms' AS kind, s.evidence_sha256, s.sheet, s.row_no, s.sent_at AS ts, s.content AS quote, {grp} AS grp
                    FROM sms s {join} WHERE {where}""",
                [holder, lists.consented], "未经同意发送的商业短信", "commercial SMS without consent"))
            parts.append("unsolicited.sms")
        if calls_n:
            where = f"{_commercial_calls()} AND {_consent_sql(ctx, 'c.callee')}"
            queries.append(Query(
                f"""SELECT 'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts,
                           coalesce(c.transcript, c.script, c.task) AS quote, coalesce(c.script, c.task, c.account) AS grp
                    FROM calls c WHERE {where}""",
                [holder, holder, lists.consented], "未经同意的营销外呼", "marketing calls without consent"))
            parts.append("unsolicited.calls")
        scale: dict[str, Any] = {"sms": sms_n, "calls": calls_n, "answered": answered, "consumers": people}
        facts = (
            f"未经消费者同意发送商业短信 {sms_n} 条、拨打营销电话 {calls_n} 次（接通 {answered} 次），涉及消费者约 {people} 人",
            f"sent {sms_n} commercial SMS and made {calls_n} marketing calls ({answered} answered) to about {people} consumers without consent",
        )
        if holder in claimed:
            said, peak = claimed[holder]
            scale["claimed_per_day"], scale["measured_peak_day"] = said, peak
            facts = (facts[0] + f"；其自称一天可发送或拨打 {said:,} 条（次），日志所见单日最多 {peak:,} 条（次）",
                     facts[1] + f"; it claimed {said:,} a day, the logs show at most {peak:,} in one day")
        cand = Candidate(holder, "unsolicited", queries, facts, scale, source="sms+calls", parts=parts)
        knows_consent = bool(lists.consented)
        if people < 10 or not (knows_consent or lists.others):
            cand.lead = (
                "接收人不在同意记录中，但未查获该单位的同意登记或他人名单，尚不能认定未经同意；应责令其提供同意记录",
                "recipients are not in any consent record, but neither a consent register nor lists from others were seized: "
                "ask the holder for its consent records",
            ) if people >= 10 else ("涉及消费者少于 10 人", "fewer than 10 consumers")
            out.append(cand)
            continue
        cand.reasons.append(("接收号码不在该单位的同意记录中", "the numbers are not in the holder's consent records"))
        if lists.others:
            cand.strength = "strong"
            cand.reasons.append(("该单位持有来自他人的名单，号码来源于此", "the holder holds lists obtained from others"))
        out.append(cand)
    return out


def _claimed_daily(ctx: Context) -> dict[str, tuple[int, int]]:
    """Per holder, the largest daily volume it claimed (chats, scripts, memos) and its measured peak day."""
    if not ctx.has["claims"]:
        return {}
    return {h: (int(v[0]), int(v[1] or 0)) for h, v in ctx.per_holder(
        """SELECT holder, max(value), max(measured_peak_day) FROM claims
           WHERE claim = 'volume' AND period = 'day' AND holder IS NOT NULL GROUP BY holder""").items()}


def _refused_calls(one_holder: bool) -> str:
    h = "holder = ? AND " if one_holder else ""
    on = "" if one_holder else " AND c.holder = r.holder"
    return f"""WITH r AS (SELECT {'' if one_holder else 'holder, '}callee, min(started_at) AS t FROM calls
                         WHERE {h}regexp_matches(coalesce(transcript, ''), '{REFUSAL_RE}')
                         GROUP BY {'' if one_holder else 'holder, '}callee)
              SELECT {'' if one_holder else 'c.holder, '}'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts,
                     coalesce(c.transcript, c.task) AS quote, c.callee AS grp
              FROM calls c JOIN r ON c.callee = r.callee AND c.started_at > r.t{on}{' WHERE c.holder = ?' if one_holder else ''}"""


def _refused_sms(one_holder: bool) -> str:
    h = "holder = ? AND " if one_holder else ""
    on = "" if one_holder else " AND s.holder = r.holder"
    return f"""WITH r AS (SELECT {'' if one_holder else 'holder, '}recipient, min(sent_at) AS t FROM sms
                         WHERE {h}(regexp_matches(coalesce(status, ''), '{REPLY_STATUS_RE}')
                               AND regexp_matches(lower(coalesce(content, '')), '{OPTOUT_REPLY_RE}'))
                         GROUP BY {'' if one_holder else 'holder, '}recipient)
              SELECT {'' if one_holder else 's.holder, '}'sms' AS kind, s.evidence_sha256, s.sheet, s.row_no, s.sent_at AS ts,
                     s.content AS quote, s.recipient AS grp
              FROM sms s JOIN r ON s.recipient = r.recipient AND s.sent_at > r.t{on}
              WHERE {'s.holder = ? AND ' if one_holder else ''}NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}')"""


def after_refusal(ctx: Context) -> list[Candidate]:
    by_calls: dict[str, int] = {}
    by_sms: dict[str, int] = {}
    if ctx.has["calls"]:
        ctx.stage("after_refusal.calls", _refused_calls(False))
        by_calls = ctx.count("after_refusal.calls", distinct_groups=True)
    if ctx.has["sms"]:
        ctx.stage("after_refusal.sms", _refused_sms(False))
        by_sms = ctx.count("after_refusal.sms", distinct_groups=True)
    out: list[Candidate] = []
    for holder in ctx.holders:
        queries: list[Query] = []
        parts: list[str] = []
        people = 0
        if by_calls.get(holder):
            people += by_calls[holder]
            queries.append(Query(_refused_calls(True), [holder, holder], "消费者拒绝后的再次外呼", "calls after the consumer refused"))
            parts.append("after_refusal.calls")
        if by_sms.get(holder):
            people += by_sms[holder]
            queries.append(Query(_refused_sms(True), [holder, holder], "回复退订后继续发送的短信", "SMS sent after an opt-out reply"))
            parts.append("after_refusal.sms")
        if not people:
            continue
        facts = (f"{people} 名消费者明确拒绝或回复退订后，仍向其营销",
                 f"kept marketing to {people} consumers after they refused or opted out")
        cand = Candidate(holder, "after_refusal", queries, facts, {"consumers": people}, source="calls+sms", parts=parts)
        cand.reasons.append(("拒绝记录与后续联系在同一单位的记录中，时间先后清楚", "refusal and later contact in the holder's own logs, in time order"))
        cand.strength = "strong" if people >= 3 else "moderate"
        out.append(cand)
    return out


def list_dialling(ctx: Context) -> list[Candidate]:
    if not (ctx.has["list_order"] and ctx.has["calls"] and ctx.has["customers"]):
        return []
    found: dict[str, list[tuple[str, str, float, int, int]]] = {}
    for h, s, a, r, lr, d in ctx.rows(
        """SELECT DISTINCT a.holder, lo.evidence_sha256, lo.account, lo.spearman, lo.longest_run, lo.dialled
           FROM list_order lo JOIN (SELECT DISTINCT holder, account FROM calls) a ON a.account = lo.account
           WHERE lo.spearman >= 0.8 AND lo.longest_run >= 20
           ORDER BY a.holder, lo.evidence_sha256, lo.account, lo.spearman, lo.longest_run, lo.dialled""",
    ):
        lists = ctx.lists.get(str(h)) or Lists([], [], [])
        if str(s) not in lists.consented:
            found.setdefault(str(h), []).append((str(s), str(a), float(r), int(lr), int(d)))
    if not found:
        return []
    ctx.temp("_charges_dialled", [("holder", "VARCHAR"), ("sha", "VARCHAR"), ("account", "VARCHAR")],
             [(h, sha, acc) for h, pairs in found.items() for sha, acc, _, _, _ in pairs])
    ctx.stage("list_dialling", """
        SELECT p.holder, 'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts, c.callee AS quote,
               c.account AS grp
        FROM _charges_dialled p JOIN calls c ON c.holder = p.holder AND c.account = p.account
        WHERE EXISTS (SELECT 1 FROM customers cu WHERE cu.evidence_sha256 = p.sha AND cu.phone = c.callee)""",
              quotes={"calls": "callee"})
    out: list[Candidate] = []
    for holder in ctx.holders:
        pairs = found.get(holder)
        if not pairs:
            continue
        lists = ctx.lists.get(holder) or Lists([], [], [])
        queries = [
            Query(
                """SELECT 'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts, c.callee AS quote,
                          c.account AS grp
                   FROM calls c WHERE c.holder = ? AND c.account = ?
                     AND c.callee IN (SELECT phone FROM customers WHERE evidence_sha256 = ? AND phone IS NOT NULL)""",
                [holder, acc, sha], "按名单顺序拨打的通话", "calls made in the list's row order")
            for sha, acc, _, _, _ in pairs
        ]
        dialled = sum(p[4] for p in pairs)
        n_lists = len({p[0] for p in pairs})
        facts = (f"按 {n_lists} 份来自他人的名单的行序外呼，顺序一致的呼叫约 {dialled} 个号码",
                 f"dialled {n_lists} lists obtained from others in row order (about {dialled} numbers)")
        cand = Candidate(holder, "list_dialling", queries, facts, {"consumers": dialled, "lists": n_lists},
                         source="list_order", parts=["list_dialling"])
        low = min(p[2] for p in pairs)
        cand.reasons.append((f"呼叫顺序与名单行序的秩相关 ≥ {low:.2f}", f"rank correlation ≥ {low:.2f}"))
        if all(p[0] in lists.others for p in pairs):
            cand.strength = "strong"
        else:
            cand.lead = ("名单来源未查明（无同意记录，也无来自他人的证据）", "the list's origin is not shown")
        out.append(cand)
    return out


def profiling(ctx: Context) -> list[Candidate]:
    if not ctx.has["calls"]:
        return []
    ctx.materialise("_charges_graded", f"""
        SELECT c.holder, c.evidence_sha256, c.sheet, c.row_no, c.started_at, c.callee, c.intent_grade FROM calls c
        WHERE c.holder IN (SELECT holder FROM {HOLDERS}) AND c.intent_grade IS NOT NULL AND trim(c.intent_grade) <> ''
          AND {ctx.not_consented('c.callee', 'c.holder')}""")
    people_of = {h: int(v[0]) for h, v in ctx.per_holder(
        "SELECT holder, count(DISTINCT callee) FROM _charges_graded GROUP BY holder").items()}
    grades_of: dict[str, dict[str, int]] = {}
    for h, grade, n in ctx.rows(
            "SELECT holder, intent_grade, count(DISTINCT callee) FROM _charges_graded GROUP BY 1, 2 ORDER BY 1, 2"):
        grades_of.setdefault(str(h), {})[grade] = n
    ctx.stage("profiling", """SELECT holder, 'calls' AS kind, evidence_sha256, sheet, row_no, started_at AS ts,
                                     '意向等级 ' || intent_grade AS quote, intent_grade AS grp FROM _charges_graded""",
              quotes={"calls": "'意向等级 ' || intent_grade"})
    out: list[Candidate] = []
    for holder in ctx.holders:
        people = people_of.get(holder, 0)
        if not people:
            continue
        lists = ctx.lists.get(holder) or Lists([], [], [])
        where = f"c.holder = ? AND c.intent_grade IS NOT NULL AND trim(c.intent_grade) <> '' AND {_consent_sql(ctx, 'c.callee')}"
        q = Query(
            f"""SELECT 'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts,
                       '意向等级 ' || c.intent_grade AS quote, c.intent_grade AS grp FROM calls c WHERE {where}""",
            [holder, lists.consented], "外呼系统对未同意消费者的意向分级", "intent grades of consumers who had not consented")
        facts = (f"外呼系统对 {people} 名未同意的消费者按通话情况进行意向分级（画像）用于营销",
                 f"the dialer graded {people} consumers who had not consented by their call behaviour, for marketing")
        cand = Candidate(holder, "profiling", [q], facts, {"consumers": people, "grades": grades_of.get(holder, {})},
                         source="calls.intent_grade", parts=["profiling"])
        if people < 10 or not (lists.consented or lists.others):
            cand.lead = ("被分级的消费者是否同意无法从查获材料判断", "whether the graded consumers consented cannot be told from the evidence")
        else:
            cand.strength = "strong" if lists.others else "moderate"
            cand.reasons.append(("分级结果写在外呼记录中，消费者不在同意记录内", "grades are in the dialer export; the consumers are not in any consent record"))
        out.append(cand)
    return out


# -- what was said ------------------------------------------------------------------------------


def _finding_queries(label: str, holder: str, quotes: list[str] | None = None) -> list[Query]:
    """Rule hits of ``label`` in the holder's outgoing SMS and calls (never complaints or replies)."""
    extra, extra_p = "", []
    if quotes is not None:
        extra += f" AND {_in_list('f.quote')}"
        extra_p.append(quotes)
    return [
        Query(
            f"""SELECT 'sms' AS kind, f.evidence_sha256, f.sheet, f.row_no, s.sent_at AS ts, s.content AS quote, f.rule AS grp
                FROM findings f JOIN sms s ON s.evidence_sha256 = f.evidence_sha256 AND s.row_no = f.row_no
                 AND s.sheet IS NOT DISTINCT FROM f.sheet
                WHERE f.holder = ? AND f.kind = 'sms' AND f.label = ? AND f.rule IS NOT NULL
                  AND NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}'){extra}""",
            [holder, label, *extra_p], "短信内容", "SMS content"),
        Query(
            f"""SELECT 'calls' AS kind, f.evidence_sha256, f.sheet, f.row_no, c.started_at AS ts,
                       coalesce(c.transcript, c.script) AS quote, coalesce(c.script, f.rule) AS grp
                FROM findings f JOIN calls c ON c.evidence_sha256 = f.evidence_sha256 AND c.row_no = f.row_no
                 AND c.sheet IS NOT DISTINCT FROM f.sheet
                WHERE f.holder = ? AND f.kind = 'calls' AND f.label = ? AND f.rule IS NOT NULL{extra}""",
            [holder, label, *extra_p], "外呼话术与录音文本", "call scripts and transcripts"),
    ]


def _stage_findings(ctx: Context, labels: Sequence[str], quotes_table: str | None = None) -> None:
    """Every holder's rows of _finding_queries for each of ``labels`` (tagged by label), in one pass;
    with ``quotes_table`` (holder, quote) only those quotes."""
    extra = (f" AND EXISTS (SELECT 1 FROM {quotes_table} k WHERE k.holder = f.holder AND k.quote = f.quote)"
             if quotes_table else "")
    ctx.stage_tagged(labels, f"""
        SELECT f.label AS tag, f.holder, 'sms' AS kind, f.evidence_sha256, f.sheet, f.row_no, s.sent_at AS ts, s.content AS quote, f.rule AS grp
        FROM findings f JOIN sms s ON s.evidence_sha256 = f.evidence_sha256 AND s.row_no = f.row_no
         AND s.sheet IS NOT DISTINCT FROM f.sheet
        WHERE f.kind = 'sms' AND {_in_list('f.label')} AND f.rule IS NOT NULL
          AND NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}'){extra}
        UNION ALL
        SELECT f.label AS tag, f.holder, 'calls' AS kind, f.evidence_sha256, f.sheet, f.row_no, c.started_at AS ts,
               coalesce(c.transcript, c.script) AS quote, coalesce(c.script, f.rule) AS grp
        FROM findings f JOIN calls c ON c.evidence_sha256 = f.evidence_sha256 AND c.row_no = f.row_no
         AND c.sheet IS NOT DISTINCT FROM f.sheet
        WHERE f.kind = 'calls' AND {_in_list('f.label')} AND f.rule IS NOT NULL{extra}""", [list(labels), list(labels)],
                     quotes={"sms": "content", "calls": "coalesce(transcript, script)"})


# the labels whose rule hits are charged as they stand: staged together the first time one is asked for
PLAIN_TEXT_LABELS = ("credit_packaging", "false_promise", "fraud")


def _text_hits(ctx: Context, label: str) -> dict[str, int]:
    """holder -> staged rule hits of ``label`` (one of PLAIN_TEXT_LABELS) in its outgoing SMS and calls."""
    if not ctx.hits:
        _stage_findings(ctx, PLAIN_TEXT_LABELS)
        ctx.hits.update({lbl: ctx.count(lbl) for lbl in PLAIN_TEXT_LABELS})
    return ctx.hits[label]


def _rules_of(ctx: Context, label: str) -> dict[str, list[str]]:
    """holder -> the distinct rules of ``label`` that hit its SMS and calls, sorted."""
    out: dict[str, list[str]] = {}
    for h, rule in ctx.rows(
        """SELECT holder, rule FROM findings WHERE label = ? AND rule IS NOT NULL AND kind IN ('sms', 'calls')
           GROUP BY holder, rule ORDER BY holder, rule""", [label]):
        out.setdefault(str(h), []).append(str(rule))
    return out


def holder_names(holder: str, signatures: list[str]) -> list[str]:
    """The holder's own names: its name, and its SMS signatures that carry its trade name (a
    signature such as 【信用卡中心】 is itself a guise)."""
    sigs = [s.strip("【】[] ") for s in signatures]
    names = [holder, *(x for x in sigs if len(x) >= 2 and x[:2] in holder)]
    return [n for n in names if n]


def institution(quote: str) -> str:
    """The institution a self-introduction names: '我们是平安普惠金融' -> '平安普惠金融'."""
    return SAY_RE.sub("", quote.strip()).strip()


def is_own_name(quote: str, names: list[str]) -> bool:
    """The speaker names its own company (or its registered signature), not another institution."""
    inst = institution(quote).replace("*", "").replace("＊", "")
    core = GENERIC_RE.sub("", inst)
    if len(core) < 2:
        return False  # a masked or generic bank ("**银行") is not the speaker's own name
    return any(core in n or (len(n) >= 2 and n in inst) for n in names)


def _signature_guises(signatures: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per holder, its SMS signatures that name a financial institution and carry none of its own names."""
    out: dict[str, list[str]] = {}
    for holder, sigs in signatures.items():
        guises = [sig for sig in sigs if FINANCIAL_SIGNATURE_RE.search(sig)
                  and not is_own_name(sig.strip("【】[] "), [holder])]
        if guises:
            out[holder] = guises
    return out


def _signature_query(holder: str, guises: list[str]) -> Query:
    return Query(
        f"""SELECT 'sms' AS kind, s.evidence_sha256, s.sheet, s.row_no, s.sent_at AS ts, s.content AS quote,
                   s.signature AS grp
            FROM sms s WHERE s.holder = ? AND {_in_list('s.signature')}
              AND NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}')""",
        [holder, guises], "短信签名", "SMS signatures")


def impersonation(ctx: Context) -> list[Candidate]:
    quotes: dict[str, list[str]] = {}
    if ctx.has["findings"]:
        for h, quote in ctx.rows(
            """SELECT DISTINCT holder, quote FROM findings WHERE label = 'impersonation' AND rule IS NOT NULL
               AND kind IN ('sms', 'calls') AND quote IS NOT NULL ORDER BY holder, quote"""):
            quotes.setdefault(str(h), []).append(str(quote))
    signatures: dict[str, list[str]] = {}
    if ctx.has["sms"]:
        for h, sig in ctx.rows("SELECT DISTINCT holder, signature FROM sms WHERE signature IS NOT NULL ORDER BY 1, 2"):
            signatures.setdefault(str(h), []).append(str(sig))
    other: dict[str, list[str]] = {}
    for holder in ctx.holders:
        names = holder_names(holder, signatures.get(holder, []))
        mine = [q for q in quotes.get(holder, []) if not is_own_name(q, names)]
        if mine:
            other[holder] = mine
    guises = _signature_guises(signatures)
    if not other and not guises:
        return []
    if other:
        ctx.temp("_charges_guises", [("holder", "VARCHAR"), ("quote", "VARCHAR")],
                 [(h, q) for h, qs in other.items() for q in qs])
        _stage_findings(ctx, ("impersonation",), "_charges_guises")
    if guises:
        ctx.temp("_charges_signatures", [("holder", "VARCHAR"), ("signature", "VARCHAR")],
                 [(h, g) for h, gs in guises.items() for g in gs])
        ctx.stage_tagged(("impersonation_signature",), f"""
            SELECT 'impersonation_signature' AS tag, s.holder, 'sms' AS kind, s.evidence_sha256, s.sheet, s.row_no,
                   s.sent_at AS ts, s.content AS quote, s.signature AS grp
            FROM sms s JOIN _charges_signatures g ON g.holder = s.holder AND g.signature = s.signature
            WHERE NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}')""")
    counts = ctx.count("impersonation")
    signed = ctx.count("impersonation_signature")
    rows = {h: int(v[0]) for h, v in ctx.per_holder(
        f"""SELECT holder, count(DISTINCT (evidence_sha256, sheet, row_no)) FROM {SUPPORT}
            WHERE tag IN ('impersonation', 'impersonation_signature') GROUP BY holder""").items()}
    out: list[Candidate] = []
    for holder in ctx.holders:
        n_said = counts.get(holder, 0) if holder in other else 0
        n_signed = signed.get(holder, 0) if holder in guises else 0
        if not n_said and not n_signed:
            continue
        banks = sorted({institution(q) for q in other.get(holder, [])} | set(guises.get(holder, [])))[:5]
        parts = (["impersonation"] if n_said else []) + (["impersonation_signature"] if n_signed else [])
        queries = (_finding_queries("impersonation", holder, other[holder]) if n_said else []) + (
            [_signature_query(holder, guises[holder])] if n_signed else [])
        said = (f"营销短信、外呼中自称“{'、'.join(banks)}”等机构 {n_said} 次" if n_said else
                f"以“{'、'.join(banks)}”为签名发送营销短信 {n_signed} 条")
        if n_said and n_signed:
            said += f"，以金融机构名义签名发送短信 {n_signed} 条"
        facts = (said + "，而发送方为本单位",
                 f"presented itself as {', '.join(banks)} in {n_said} messages or calls and signed "
                 f"{n_signed} SMS in a financial institution's name")
        cand = Candidate(holder, "impersonation", queries, facts,
                         {"rows": rows.get(holder, n_said + n_signed), "institutions": banks},
                         source="findings.impersonation",
                         parts=parts)
        if BANK_NAME_RE.search(holder):
            cand.lead = ("本单位名称含银行字样，需核实是否为所称机构", "the holder's own name says it is a bank")
        else:
            cand.strength = "strong" if rows.get(holder, 0) >= 10 else "moderate"
            cand.reasons.append(("所称机构与本单位名称、短信签名不符", "the named institution is not the holder or its signature"))
        out.append(cand)
    return out


def _text_conduct(conduct: str, label: str, facts_zh: str, facts_en: str) -> Builder:
    def build(ctx: Context) -> list[Candidate]:
        if not ctx.has["findings"]:
            return []
        counts = _text_hits(ctx, label)
        rules_of = _rules_of(ctx, label)
        out: list[Candidate] = []
        for holder in ctx.holders:
            n = counts.get(holder, 0)
            if not n:
                continue
            rules = rules_of.get(holder, [])
            cand = Candidate(holder, conduct, _finding_queries(label, holder), (facts_zh.format(n=n), facts_en.format(n=n)),
                             {"rows": n, "rules": rules}, source=f"findings.{label}", parts=[label])
            cand.strength = "strong" if n >= 10 else "moderate"
            cand.reasons.append((f"规则命中（{'、'.join(rules)}）", f"rule hits ({', '.join(rules)})"))
            out.append(cand)
        return out

    build.__name__ = conduct
    return build


false_promise = _text_conduct("false_promise", "false_promise",
                              "在营销短信、外呼中作无法兑现的贷款承诺 {n} 次", "made promises it cannot keep in {n} marketing messages or calls")
credit_packaging = _text_conduct("credit_packaging", "credit_packaging",
                                 "在营销短信、外呼中宣传包装征信、修复征信或代做流水 {n} 次",
                                 "advertised credit packaging or fabricated statements in {n} messages or calls")


def _partner_sms(one_holder: bool) -> str:
    return f"""SELECT {'' if one_holder else 'holder, '}'sms' AS kind, evidence_sha256, sheet, row_no, sent_at AS ts, content AS quote,
                       regexp_extract(content, '{PARTNER_RE}') AS grp
                FROM sms WHERE {'holder = ? AND ' if one_holder else ''}regexp_matches(coalesce(content, ''), '{PARTNER_RE}')
                  AND NOT regexp_matches(coalesce(status, ''), '{REPLY_STATUS_RE}')"""


def _partner_calls(one_holder: bool) -> str:
    return f"""SELECT {'' if one_holder else 'holder, '}'calls' AS kind, evidence_sha256, sheet, row_no, started_at AS ts,
                       coalesce(transcript, script) AS quote,
                       regexp_extract(coalesce(transcript, script), '{PARTNER_RE}') AS grp
                FROM calls WHERE {'holder = ? AND ' if one_holder else ''}regexp_matches(coalesce(transcript, script, ''), '{PARTNER_RE}')"""


def false_publicity(ctx: Context) -> list[Candidate]:
    if not (ctx.has["sms"] or ctx.has["calls"]):
        return []
    counts: dict[str, int] = {}
    if ctx.has["sms"]:
        counts = ctx.stage("false_publicity", _partner_sms(False))
    if ctx.has["calls"]:
        counts = ctx.stage("false_publicity", _partner_calls(False))
    out: list[Candidate] = []
    for holder in ctx.holders:
        n = counts.get(holder, 0)
        if not n:
            continue
        queries: list[Query] = []
        if ctx.has["sms"]:
            queries.append(Query(_partner_sms(True), [holder], "短信中谎称与银行合作、有内部关系", "SMS claiming bank ties"))
        if ctx.has["calls"]:
            queries.append(Query(_partner_calls(True), [holder], "外呼中谎称与银行合作、有内部关系", "calls claiming bank ties"))
        facts = (f"在营销短信、外呼中宣称是银行合作机构、与银行审批人员熟悉或有内部关系 {n} 次",
                 f"claimed bank partnership or insider ties in {n} marketing messages or calls")
        cand = Candidate(holder, "false_publicity", queries, facts, {"rows": n}, source="charges.partner_claims",
                         parts=["false_publicity"])
        cand.strength = "strong" if n >= 10 else "moderate"
        cand.reasons.append(("宣传内容可由合作协议核实，未查获任何协议", "checkable against agreements; none was seized"))
        out.append(cand)
    return out


def bribery(ctx: Context) -> list[Candidate]:
    staff: dict[str, set[str]] = {}
    sessions: dict[str, list[str]] = {}
    if ctx.has["chats"]:
        for h, chat, sender, receiver in ctx.rows(
                f"SELECT DISTINCT holder, chat, sender, receiver FROM chats WHERE regexp_matches(coalesce(chat, ''), '{BANK_RE}')"):
            sessions.setdefault(str(h), []).append(str(chat))
            for person in (sender, receiver):
                if person and str(person) in str(chat):
                    staff.setdefault(str(h), set()).add(str(person))
    sessions = {h: sorted(set(s)) for h, s in sessions.items()}
    chat_hits: dict[str, int] = {}
    pay_stats: dict[str, tuple[Any, ...]] = {}
    lead_hits: dict[str, int] = {}
    if sessions and ctx.has["findings"]:
        ctx.temp("_charges_bank_chats", [("holder", "VARCHAR"), ("chat", "VARCHAR")],
                 [(h, c) for h, cs in sessions.items() for c in cs])
        chat_hits = ctx.stage("bribery.chats", """
            SELECT f.holder, 'chats' AS kind, f.evidence_sha256, f.sheet, f.row_no, c.sent_at AS ts, c.text AS quote, c.chat AS grp
            FROM findings f JOIN chats c ON c.evidence_sha256 = f.evidence_sha256 AND c.row_no = f.row_no
             AND c.sheet IS NOT DISTINCT FROM f.sheet
            JOIN _charges_bank_chats b ON b.holder = f.holder AND b.chat = c.chat
            WHERE f.kind = 'chats' AND f.label = 'bribery' AND f.rule IS NOT NULL""")
    if staff and ctx.has["payments"]:
        ctx.temp("_charges_bank_staff", [("holder", "VARCHAR"), ("person", "VARCHAR")],
                 [(h, p) for h, ps in staff.items() for p in sorted(ps)])
        pay_stats = ctx.per_holder("""SELECT p.holder, count(*), sum(p.amount) FROM payments p
                                      JOIN _charges_bank_staff k ON k.holder = p.holder AND k.person = p.payee
                                      GROUP BY p.holder""")
        ctx.stage("bribery.payments", """
            SELECT p.holder, 'payments' AS kind, p.evidence_sha256, p.sheet, p.row_no, p.paid_at AS ts,
                   coalesce(p.memo, '') || ' ' || CAST(p.amount AS VARCHAR) AS quote, p.payee AS grp
            FROM payments p JOIN _charges_bank_staff k ON k.holder = p.holder AND k.person = p.payee""")
    if ctx.has["findings"]:
        lead_hits = ctx.stage("bribery.words", """
            SELECT f.holder, f.kind, f.evidence_sha256, f.sheet, f.row_no, CAST(NULL AS TIMESTAMP) AS ts, f.quote, f.rule AS grp
            FROM findings f WHERE f.label = 'bribery' AND f.kind IN ('chats', 'payments')""")
    out: list[Candidate] = []
    for holder in ctx.holders:
        people = sorted(staff.get(holder, set()))
        queries: list[Query] = []
        parts: list[str] = []
        hits = chat_hits.get(holder, 0)
        if hits:
            queries.append(Query(
                f"""SELECT 'chats' AS kind, f.evidence_sha256, f.sheet, f.row_no, c.sent_at AS ts, c.text AS quote, c.chat AS grp
                    FROM findings f JOIN chats c ON c.evidence_sha256 = f.evidence_sha256 AND c.row_no = f.row_no
                     AND c.sheet IS NOT DISTINCT FROM f.sheet
                    WHERE f.holder = ? AND f.kind = 'chats' AND f.label = 'bribery' AND f.rule IS NOT NULL
                      AND {_in_list('c.chat')}""",
                [holder, sessions[holder]], "与银行工作人员的聊天：好处费、回扣", "chats with bank staff about kickbacks"))
            parts.append("bribery.chats")
        pay = pay_stats.get(holder)
        pay_n, money = (int(pay[0]), float(pay[1] or 0)) if pay else (0, 0.0)
        if pay_n:
            queries.append(Query(
                f"""SELECT 'payments' AS kind, evidence_sha256, sheet, row_no, paid_at AS ts,
                           coalesce(memo, '') || ' ' || CAST(amount AS VARCHAR) AS quote, payee AS grp
                    FROM payments WHERE holder = ? AND {_in_list('payee')}""",
                [holder, people], "向银行工作人员付款", "payments to bank staff"))
            parts.append("bribery.payments")
        if queries:
            facts = (f"向银行工作人员 {len(people)} 人给予好处费、回扣（付款 {pay_n} 笔，计 {money:.2f} 元；相关聊天 {hits} 条），以谋取贷款审批",
                     f"gave kickbacks to {len(people)} bank staff ({pay_n} payments, {money:.2f} yuan; {hits} chats) to obtain loan approvals")
            cand = Candidate(holder, "bribery", queries, facts, {"money": money, "payments": pay_n, "chats": hits,
                                                                 "recipients": len(people)}, source="chats+payments", parts=parts)
            cand.strength = "strong" if (pay_n and hits) else "moderate"
            cand.reasons.append(("收款人是银行工作人员（聊天会话名称显示其所在银行）", "the payees are bank staff (their chat sessions name the bank)"))
            if pay_n:
                cand.reasons.append(("付款在个人之间，未见入账为佣金或折扣", "person-to-person payments, not booked as commission or discount"))
            out.append(cand)
            continue
        # bribery words outside any session with bank staff: a lead at most (a booked commission is lawful)
        n = lead_hits.get(holder, 0)
        if n:
            q = Query(
                """SELECT f.kind, f.evidence_sha256, f.sheet, f.row_no, CAST(NULL AS TIMESTAMP) AS ts, f.quote, f.rule AS grp
                   FROM findings f WHERE f.holder = ? AND f.label = 'bribery' AND f.kind IN ('chats', 'payments')""",
                [holder], "含返点、好处费等字样的记录", "records mentioning commissions or kickbacks")
            out.append(Candidate(holder, "bribery", [q], ("记录中出现返点、好处费等字样", "records mention commissions or kickbacks"),
                                 {"rows": n}, lead=(
                "未显示收受方是交易相对方（银行）的工作人员：明示并如实入账的佣金、折扣是合法的",
                "no recipient is shown to be staff of a counterparty (a bank): openly booked commissions are lawful",
            ), source="findings.bribery", parts=["bribery.words"]))
    return out


def _model_only(label: str, one_holder: bool) -> str:
    return f"""SELECT {'' if one_holder else 'f.holder, '}f.kind, f.evidence_sha256, f.sheet, f.row_no, CAST(NULL AS TIMESTAMP) AS ts, f.quote, 'model' AS grp
               FROM findings f WHERE {'f.holder = ? AND ' if one_holder else ''}f.label = ? AND f.rule IS NULL AND f.kind IN ('sms', 'calls')"""


def fraud(ctx: Context) -> list[Candidate]:
    if not ctx.has["findings"]:
        return []
    from qinglian.detect.text.rules import RULES

    strong = {r.id for r in RULES if r.label == "fraud" and r.weight >= 3.5}
    rules_of = _rules_of(ctx, "fraud")
    counts = _text_hits(ctx, "fraud")
    by_model = ctx.stage("fraud.model", _model_only("fraud", False), ["fraud"])
    out: list[Candidate] = []
    for holder in ctx.holders:
        rules = rules_of.get(holder, [])
        if rules:
            n = counts.get(holder, 0)
            cand = Candidate(holder, "fraud", _finding_queries("fraud", holder),
                             (f"话术、短信含诈骗特征 {n} 次（{'、'.join(rules)}）", f"fraud signs in {n} scripts or SMS ({', '.join(rules)})"),
                             {"rows": n, "rules": rules}, source="findings.fraud", parts=["fraud"])
            if n and (set(rules) & strong or len(rules) >= 2):
                cand.referral = True
                cand.strength = "moderate"
                cand.reasons.append(("诈骗规则命中，需公安机关查明非法占有目的", "fraud rules matched; intent to defraud is for the police to establish"))
            else:
                cand.lead = ("只有弱诈骗特征（如“保证金”）一项", "only one weak fraud sign")
            out.append(cand)
        n_model = by_model.get(holder, 0)
        if n_model:
            q = Query(
                """SELECT f.kind, f.evidence_sha256, f.sheet, f.row_no, CAST(NULL AS TIMESTAMP) AS ts, f.quote, 'model' AS grp
               FROM findings f WHERE f.holder = ? AND f.label = 'fraud' AND f.rule IS NULL AND f.kind IN ('sms', 'calls')""",
                [holder], "仅模型评分的诈骗风险", "fraud risk by model score only")
            out.append(Candidate(holder, "fraud", [q], (f"模型评为诈骗风险 {n_model} 条", f"{n_model} texts scored as fraud risk by the model"),
                                 {"rows": n_model}, lead=(
                "只有模型评分，没有规则命中，也不对应任何条文", "a model score only: no rule matched and no provision applies",
            ), source="findings.fraud.model", parts=["fraud.model"]))
    return out


def model_only(ctx: Context) -> list[Candidate]:
    """Labels other than fraud scored by the model with no rule: leads, never charges."""
    if not ctx.has["findings"]:
        return []
    conduct_of = {"credit_packaging": "credit_packaging", "false_promise": "false_promise", "impersonation": "impersonation"}
    counts = {label: ctx.stage(f"model.{label}", _model_only(label, False), [label]) for label in sorted(conduct_of)}
    out: list[Candidate] = []
    for holder in ctx.holders:
        for label in sorted(conduct_of):
            n = counts[label].get(holder, 0)
            if not n:
                continue
            q = Query(_model_only(label, True), [holder, label], "仅模型评分", "model score only")
            out.append(Candidate(holder, conduct_of[label], [q], (f"模型评分 {n} 条", f"{n} texts by model score"),
                                 {"rows": n}, lead=("只有模型评分，没有规则命中", "a model score only, no rule matched"),
                                 source=f"findings.{label}.model", parts=[f"model.{label}"]))
    return out


BUILDERS: tuple[Builder, ...] = (
    pi_unlawful, pi_provide, unsolicited, after_refusal, list_dialling, profiling, impersonation,
    false_promise, false_publicity, credit_packaging, bribery, fraud, model_only,
)
