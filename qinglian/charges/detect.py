"""From stored detections to candidate charges and leads, one builder per conduct type.

Each builder checks the elements of its conduct (see conduct.py) against the case tables and
returns ``Candidate``s: a charge where every element is shown, a lead where one is missing. The
supporting rows of each are stored as queries (evidence.Query) so the user can open them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from qinglian.charges.evidence import Query
from qinglian.store.db import columns_of

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
COMMERCIAL_LABELS = ("marketing", "loan")
TIERS = {"credit": 50, "identity": 5000, "contact": 5000, "address": 5000, "employer": 5000}
PI_COLUMNS = {"identity": "coalesce(id_number, name)", "contact": "phone", "address": "address",
              "employer": "employer", "credit": "credit_info"}


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
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.has = {n: exists(con, n) for n in (
            "customers", "calls", "sms", "chats", "payments", "findings", "campaign_members", "list_order",
            "list_overlaps", "intent_grades",
        )}
        self.holders = self._holders()
        self.lists = self._lists()

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

    def consent_sql(self, col: str) -> str:
        """``col`` is not a number the holder has consent for (param: the consented list hashes)."""
        if not self.has["customers"]:
            return "TRUE"
        return f"{col} NOT IN (SELECT phone FROM customers WHERE phone IS NOT NULL AND {_in_list('evidence_sha256')})"

    def one(self, sql: str, params: list[Any]) -> tuple[Any, ...]:
        row = self.con.execute(sql, params).fetchone()
        assert row is not None
        return row


Builder = Callable[[Context, str], list[Candidate]]


# -- personal information -----------------------------------------------------------------------


def pi_unlawful(ctx: Context, holder: str) -> list[Candidate]:
    lists = ctx.lists.get(holder)
    if not lists or not (lists.others or lists.unknown):
        return []
    out: list[Candidate] = []
    for shas, is_lead in ((lists.others, False), (lists.unknown, True)):
        if not shas:
            continue
        counts = {
            cat: int(ctx.one(
                f"""SELECT count(DISTINCT coalesce(id_number, phone, name)) FROM customers
                    WHERE {_in_list('evidence_sha256')} AND {expr} IS NOT NULL AND trim(CAST({expr} AS VARCHAR)) <> ''""",
                [shas],
            )[0])
            for cat, expr in PI_COLUMNS.items()
        }
        subjects, serious50 = (int(x) for x in ctx.one(
            f"""SELECT count(DISTINCT coalesce(id_number, phone, name)),
                       count(DISTINCT coalesce(id_number, phone, name)) FILTER
                           (WHERE credit_info IS NOT NULL AND trim(credit_info) <> '')
                FROM customers WHERE {_in_list('evidence_sha256')}""",
            [shas],
        ))
        # each subject in its most serious tier (credit: 50, else 5000), summed as shares of the threshold
        ratio = serious50 / 50 + (subjects - serious50) / 5000
        pi = {cat: {"records": n, "tier": TIERS[cat]} for cat, n in counts.items() if n}
        q = Query(
            f"""SELECT 'customers' AS kind, evidence_sha256, sheet, row_no, CAST(NULL AS TIMESTAMP) AS ts,
                       concat_ws('、', CASE WHEN name IS NOT NULL THEN '姓名' END, CASE WHEN phone IS NOT NULL THEN '电话' END,
                                 CASE WHEN id_number IS NOT NULL THEN '身份证号' END, CASE WHEN address IS NOT NULL THEN '住址' END,
                                 CASE WHEN employer IS NOT NULL THEN '工作单位' END,
                                 CASE WHEN credit_info IS NOT NULL THEN '征信/负债' END,
                                 CASE WHEN source IS NOT NULL THEN '来源：' || source END) AS quote,
                       evidence_sha256 AS grp
                FROM customers WHERE holder = ? AND {_in_list('evidence_sha256')}""",
            [holder, shas], "客户名单中的个人信息（来自他人）", "PI in customer lists obtained from others",
        )
        scale = {"pi": pi, "subjects": subjects, "lists": len(shas), "threshold_ratio": round(ratio, 3)}
        facts = (
            f"持有来自他人的客户名单 {len(shas)} 份，涉及 {subjects} 名消费者的个人信息，无同意记录",
            f"holds {len(shas)} customer lists obtained from others with PI of {subjects} consumers and no consent on record",
        )
        if is_lead:
            out.append(Candidate(holder, "pi_unlawful", [q], facts, scale, lead=(
                "名单来源不明：既无同意记录，也无来自他人的证据（来源字段、与他人名单重合）",
                "origin of the list not shown: no consent records, and nothing shows it came from others",
            ), source="customers"))
            continue
        cand = Candidate(holder, "pi_unlawful", [q], facts, scale, source="customers")
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


def pi_provide(ctx: Context, holder: str) -> list[Candidate]:
    queries: list[Query] = []
    paid = 0.0
    if ctx.has["payments"]:
        paid = float(ctx.one(
            "SELECT coalesce(sum(amount), 0) FROM payments WHERE holder = ? AND payee = holder "
            "AND regexp_matches(coalesce(memo, ''), '数据|名单|资源|客户资料')", [holder])[0])
        if paid:
            queries.append(Query(
                """SELECT 'payments' AS kind, evidence_sha256, sheet, row_no, paid_at AS ts, memo AS quote, payer AS grp
                   FROM payments WHERE holder = ? AND payee = holder
                     AND regexp_matches(coalesce(memo, ''), '数据|名单|资源|客户资料')""",
                [holder], "收取数据、名单款项", "payments received for data or lists"))
    chat_q = None
    if ctx.has["chats"]:
        n = int(ctx.one(f"SELECT count(*) FROM chats WHERE holder = ? AND regexp_matches(coalesce(text, ''), '{DATA_SALE_RE}')", [holder])[0])
        if n:
            chat_q = Query(
                f"""SELECT 'chats' AS kind, evidence_sha256, sheet, row_no, sent_at AS ts, text AS quote, chat AS grp
                    FROM chats WHERE holder = ? AND regexp_matches(coalesce(text, ''), '{DATA_SALE_RE}')""",
                [holder], "发送、出售名单的聊天", "chats sending or selling lists")
    if not queries and chat_q is None:
        return []
    facts = ("向他人提供、出售客户名单或数据", "provided or sold customer lists or data to others")
    if paid and chat_q is not None:
        return [Candidate(holder, "pi_provide", [*queries, chat_q], facts, {"money": paid}, "strong",
                          [("收款记录与聊天相互印证", "payments and chats corroborate each other")], source="payments+chats")]
    return [Candidate(holder, "pi_provide", queries or [chat_q] if chat_q else queries, facts, {"money": paid}, lead=(
        "只有一方面的证据（聊天或收款），尚不能认定提供、出售了个人信息",
        "only one kind of evidence (chats or payments): providing or selling PI is not shown",
    ), source="payments" if paid else "chats")]


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


def unsolicited(ctx: Context, holder: str) -> list[Candidate]:
    if not ctx.has["findings"]:
        return []
    lists = ctx.lists.get(holder) or Lists([], [], [])
    queries: list[Query] = []
    sms_n = sms_people = calls_n = calls_people = answered = 0
    if ctx.has["sms"]:
        where = f"{_commercial_sms(ctx)} AND {ctx.consent_sql('s.recipient')}"
        grp = "s.account"
        join = ""
        if ctx.has["campaign_members"]:
            join = ("LEFT JOIN campaign_members m ON m.evidence_sha256 = s.evidence_sha256 AND m.row_no = s.row_no "
                    "AND m.sheet IS NOT DISTINCT FROM s.sheet")
            grp = "coalesce(m.campaign_id, s.account)"
        params = [holder, lists.consented]
        sms_n, sms_people = (int(x) for x in ctx.one(
            f"SELECT count(*), count(DISTINCT s.recipient) FROM sms s WHERE {where}", params))
        if sms_n:
            queries.append(Query(
                f"""SELECT 'sms' AS kind, s.evidence_sha256, s.sheet, s.row_no, s.sent_at AS ts, s.content AS quote, {grp} AS grp
                    FROM sms s {join} WHERE {where}""",
                params, "未经同意发送的商业短信", "commercial SMS without consent"))
    if ctx.has["calls"]:
        where = f"{_commercial_calls()} AND {ctx.consent_sql('c.callee')}"
        params = [holder, holder, lists.consented]
        calls_n, calls_people, answered = (int(x or 0) for x in ctx.one(
            f"SELECT count(*), count(DISTINCT c.callee), count(*) FILTER (WHERE c.answered) FROM calls c WHERE {where}",
            params))
        if calls_n:
            queries.append(Query(
                f"""SELECT 'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts,
                           coalesce(c.transcript, c.script, c.task) AS quote, coalesce(c.script, c.task, c.account) AS grp
                    FROM calls c WHERE {where}""",
                params, "未经同意的营销外呼", "marketing calls without consent"))
    people = sms_people + calls_people
    if people == 0:
        return []
    scale = {"sms": sms_n, "calls": calls_n, "answered": answered, "consumers": people}
    facts = (
        f"未经消费者同意发送商业短信 {sms_n} 条、拨打营销电话 {calls_n} 次（接通 {answered} 次），涉及消费者约 {people} 人",
        f"sent {sms_n} commercial SMS and made {calls_n} marketing calls ({answered} answered) to about {people} consumers without consent",
    )
    cand = Candidate(holder, "unsolicited", queries, facts, scale, source="sms+calls")
    knows_consent = bool(lists.consented)
    if people < 10 or not (knows_consent or lists.others):
        cand.lead = (
            "接收人不在同意记录中，但未查获该单位的同意登记或他人名单，尚不能认定未经同意；应责令其提供同意记录",
            "recipients are not in any consent record, but neither a consent register nor lists from others were seized: "
            "ask the holder for its consent records",
        ) if people >= 10 else ("涉及消费者少于 10 人", "fewer than 10 consumers")
        return [cand]
    cand.reasons.append(("接收号码不在该单位的同意记录中", "the numbers are not in the holder's consent records"))
    if lists.others:
        cand.strength = "strong"
        cand.reasons.append(("该单位持有来自他人的名单，号码来源于此", "the holder holds lists obtained from others"))
    return [cand]


def after_refusal(ctx: Context, holder: str) -> list[Candidate]:
    queries: list[Query] = []
    people = 0
    if ctx.has["calls"]:
        sql = f"""WITH r AS (SELECT callee, min(started_at) AS t FROM calls
                             WHERE holder = ? AND regexp_matches(coalesce(transcript, ''), '{REFUSAL_RE}')
                             GROUP BY callee)
                  SELECT 'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts,
                         coalesce(c.transcript, c.task) AS quote, c.callee AS grp
                  FROM calls c JOIN r ON c.callee = r.callee AND c.started_at > r.t WHERE c.holder = ?"""
        n = int(ctx.one(f"SELECT count(DISTINCT grp) FROM ({sql})", [holder, holder])[0])
        if n:
            people += n
            queries.append(Query(sql, [holder, holder], "消费者拒绝后的再次外呼", "calls after the consumer refused"))
    if ctx.has["sms"]:
        sql = f"""WITH r AS (SELECT recipient, min(sent_at) AS t FROM sms
                             WHERE holder = ? AND (regexp_matches(coalesce(status, ''), '{REPLY_STATUS_RE}')
                                   AND regexp_matches(lower(coalesce(content, '')), '{OPTOUT_REPLY_RE}'))
                             GROUP BY recipient)
                  SELECT 'sms' AS kind, s.evidence_sha256, s.sheet, s.row_no, s.sent_at AS ts, s.content AS quote,
                         s.recipient AS grp
                  FROM sms s JOIN r ON s.recipient = r.recipient AND s.sent_at > r.t
                  WHERE s.holder = ? AND NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}')"""
        n = int(ctx.one(f"SELECT count(DISTINCT grp) FROM ({sql})", [holder, holder])[0])
        if n:
            people += n
            queries.append(Query(sql, [holder, holder], "回复退订后继续发送的短信", "SMS sent after an opt-out reply"))
    if not people:
        return []
    facts = (f"{people} 名消费者明确拒绝或回复退订后，仍向其营销",
             f"kept marketing to {people} consumers after they refused or opted out")
    cand = Candidate(holder, "after_refusal", queries, facts, {"consumers": people}, source="calls+sms")
    cand.reasons.append(("拒绝记录与后续联系在同一单位的记录中，时间先后清楚", "refusal and later contact in the holder's own logs, in time order"))
    cand.strength = "strong" if people >= 3 else "moderate"
    return [cand]


def list_dialling(ctx: Context, holder: str) -> list[Candidate]:
    if not (ctx.has["list_order"] and ctx.has["calls"] and ctx.has["customers"]):
        return []
    lists = ctx.lists.get(holder) or Lists([], [], [])
    rows = ctx.con.execute(
        """SELECT DISTINCT lo.evidence_sha256, lo.account, lo.spearman, lo.longest_run, lo.dialled
           FROM list_order lo JOIN (SELECT DISTINCT account FROM calls WHERE holder = ?) a ON a.account = lo.account
           WHERE lo.spearman >= 0.8 AND lo.longest_run >= 20 ORDER BY lo.evidence_sha256, lo.account""",
        [holder],
    ).fetchall()
    out: list[Candidate] = []
    pairs = [(str(s), str(a), float(r), int(lr), int(d)) for s, a, r, lr, d in rows if str(s) not in lists.consented]
    if not pairs:
        return []
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
    facts = (f"按 {len({p[0] for p in pairs})} 份来自他人的名单的行序外呼，顺序一致的呼叫约 {dialled} 个号码",
             f"dialled {len({p[0] for p in pairs})} lists obtained from others in row order (about {dialled} numbers)")
    cand = Candidate(holder, "list_dialling", queries, facts, {"consumers": dialled, "lists": len({p[0] for p in pairs})},
                     source="list_order")
    cand.reasons.append((f"呼叫顺序与名单行序的秩相关 ≥ {min(p[2] for p in pairs):.2f}", f"rank correlation ≥ {min(p[2] for p in pairs):.2f}"))
    if all(p[0] in lists.others for p in pairs):
        cand.strength = "strong"
    else:
        cand.lead = ("名单来源未查明（无同意记录，也无来自他人的证据）", "the list's origin is not shown")
    out.append(cand)
    return out


def profiling(ctx: Context, holder: str) -> list[Candidate]:
    if not ctx.has["calls"]:
        return []
    lists = ctx.lists.get(holder) or Lists([], [], [])
    where = f"c.holder = ? AND c.intent_grade IS NOT NULL AND trim(c.intent_grade) <> '' AND {ctx.consent_sql('c.callee')}"
    params = [holder, lists.consented]
    people = int(ctx.one(f"SELECT count(DISTINCT c.callee) FROM calls c WHERE {where}", params)[0])
    if not people:
        return []
    grades = dict(ctx.con.execute(
        f"SELECT c.intent_grade, count(DISTINCT c.callee) FROM calls c WHERE {where} GROUP BY 1 ORDER BY 1", params).fetchall())
    q = Query(
        f"""SELECT 'calls' AS kind, c.evidence_sha256, c.sheet, c.row_no, c.started_at AS ts,
                   '意向等级 ' || c.intent_grade AS quote, c.intent_grade AS grp FROM calls c WHERE {where}""",
        params, "外呼系统对未同意消费者的意向分级", "intent grades of consumers who had not consented")
    facts = (f"外呼系统对 {people} 名未同意的消费者按通话情况进行意向分级（画像）用于营销",
             f"the dialer graded {people} consumers who had not consented by their call behaviour, for marketing")
    cand = Candidate(holder, "profiling", [q], facts, {"consumers": people, "grades": grades}, source="calls.intent_grade")
    if people < 10 or not (lists.consented or lists.others):
        cand.lead = ("被分级的消费者是否同意无法从查获材料判断", "whether the graded consumers consented cannot be told from the evidence")
    else:
        cand.strength = "strong" if lists.others else "moderate"
        cand.reasons.append(("分级结果写在外呼记录中，消费者不在同意记录内", "grades are in the dialer export; the consumers are not in any consent record"))
    return [cand]


# -- what was said ------------------------------------------------------------------------------


def _finding_queries(label: str, holder: str, rules: list[str] | None, quotes: list[str] | None,
                     not_partner: bool = False) -> list[Query]:
    """Rule hits of ``label`` in the holder's outgoing SMS and calls (never complaints or replies)."""
    extra, extra_p = "", []
    if rules is not None:
        extra += f" AND {_in_list('f.rule')}"
        extra_p.append(rules)
    if quotes is not None:
        extra += f" AND {_in_list('f.quote')}"
        extra_p.append(quotes)
    partner_s = f" AND NOT regexp_matches(s.content, '{PARTNER_RE}')" if not_partner else ""
    partner_c = f" AND NOT regexp_matches(coalesce(c.transcript, c.script, ''), '{PARTNER_RE}')" if not_partner else ""
    return [
        Query(
            f"""SELECT 'sms' AS kind, f.evidence_sha256, f.sheet, f.row_no, s.sent_at AS ts, s.content AS quote, f.rule AS grp
                FROM findings f JOIN sms s ON s.evidence_sha256 = f.evidence_sha256 AND s.row_no = f.row_no
                 AND s.sheet IS NOT DISTINCT FROM f.sheet
                WHERE f.holder = ? AND f.kind = 'sms' AND f.label = ? AND f.rule IS NOT NULL
                  AND NOT regexp_matches(coalesce(s.status, ''), '{REPLY_STATUS_RE}'){extra}{partner_s}""",
            [holder, label, *extra_p], "短信内容", "SMS content"),
        Query(
            f"""SELECT 'calls' AS kind, f.evidence_sha256, f.sheet, f.row_no, c.started_at AS ts,
                       coalesce(c.transcript, c.script) AS quote, coalesce(c.script, f.rule) AS grp
                FROM findings f JOIN calls c ON c.evidence_sha256 = f.evidence_sha256 AND c.row_no = f.row_no
                 AND c.sheet IS NOT DISTINCT FROM f.sheet
                WHERE f.holder = ? AND f.kind = 'calls' AND f.label = ? AND f.rule IS NOT NULL{extra}{partner_c}""",
            [holder, label, *extra_p], "外呼话术与录音文本", "call scripts and transcripts"),
    ]


def _count(ctx: Context, queries: list[Query]) -> int:
    from qinglian.charges.evidence import union

    sql, params = union(queries)
    return int(ctx.one(f"SELECT count(*) FROM ({sql})", params)[0])


def holder_names(ctx: Context, holder: str) -> list[str]:
    names = [holder]
    if ctx.has["sms"]:
        # a signature is the holder's own name only where it carries the holder's trade name; a
        # signature such as 【信用卡中心】 is itself a guise
        sigs = [str(r[0]).strip("【】[] ") for r in ctx.con.execute(
            "SELECT DISTINCT signature FROM sms WHERE holder = ? AND signature IS NOT NULL", [holder]).fetchall()]
        names += [x for x in sigs if len(x) >= 2 and x[:2] in holder]
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


def impersonation(ctx: Context, holder: str) -> list[Candidate]:
    if not ctx.has["findings"]:
        return []
    quotes = [str(r[0]) for r in ctx.con.execute(
        """SELECT DISTINCT quote FROM findings WHERE holder = ? AND label = 'impersonation' AND rule IS NOT NULL
           AND kind IN ('sms', 'calls') AND quote IS NOT NULL""", [holder]).fetchall()]
    names = holder_names(ctx, holder)
    other = [q for q in quotes if not is_own_name(q, names)]
    if not other:
        return []
    queries = _finding_queries("impersonation", holder, None, other)
    n = _count(ctx, queries)
    if not n:
        return []
    banks = sorted({institution(q) for q in other})[:5]
    facts = (f"营销短信、外呼中自称“{'、'.join(banks)}”等机构 {n} 次，而发送方为本单位",
             f"presented itself as {', '.join(banks)} in {n} marketing messages or calls")
    cand = Candidate(holder, "impersonation", queries, facts, {"rows": n, "institutions": banks}, source="findings.impersonation")
    if any(w in holder for w in ("银行", "金融")):
        cand.lead = ("本单位名称含银行或金融字样，需核实是否为所称机构", "the holder's own name contains a bank or finance word")
    else:
        cand.strength = "strong" if n >= 10 else "moderate"
        cand.reasons.append(("所称机构与本单位名称、短信签名不符", "the named institution is not the holder or its signature"))
    return [cand]


def _text_conduct(conduct: str, label: str, facts_zh: str, facts_en: str) -> Builder:
    def build(ctx: Context, holder: str) -> list[Candidate]:
        if not ctx.has["findings"]:
            return []
        queries = _finding_queries(label, holder, None, None)
        n = _count(ctx, queries)
        if not n:
            return []
        rules = [str(r[0]) for r in ctx.con.execute(
            "SELECT DISTINCT rule FROM findings WHERE holder = ? AND label = ? AND rule IS NOT NULL AND kind IN ('sms', 'calls') ORDER BY 1",
            [holder, label]).fetchall()]
        cand = Candidate(holder, conduct, queries, (facts_zh.format(n=n), facts_en.format(n=n)),
                         {"rows": n, "rules": rules}, source=f"findings.{label}")
        cand.strength = "strong" if n >= 10 else "moderate"
        cand.reasons.append((f"规则命中（{'、'.join(rules)}）", f"rule hits ({', '.join(rules)})"))
        return [cand]

    return build


false_promise = _text_conduct("false_promise", "false_promise",
                              "在营销短信、外呼中作无法兑现的贷款承诺 {n} 次", "made promises it cannot keep in {n} marketing messages or calls")
credit_packaging = _text_conduct("credit_packaging", "credit_packaging",
                                 "在营销短信、外呼中宣传包装征信、修复征信或代做流水 {n} 次",
                                 "advertised credit packaging or fabricated statements in {n} messages or calls")


def false_publicity(ctx: Context, holder: str) -> list[Candidate]:
    queries: list[Query] = []
    if ctx.has["sms"]:
        queries.append(Query(
            f"""SELECT 'sms' AS kind, evidence_sha256, sheet, row_no, sent_at AS ts, content AS quote,
                       regexp_extract(content, '{PARTNER_RE}') AS grp
                FROM sms WHERE holder = ? AND regexp_matches(coalesce(content, ''), '{PARTNER_RE}')
                  AND NOT regexp_matches(coalesce(status, ''), '{REPLY_STATUS_RE}')""",
            [holder], "短信中谎称与银行合作、有内部关系", "SMS claiming bank ties"))
    if ctx.has["calls"]:
        queries.append(Query(
            f"""SELECT 'calls' AS kind, evidence_sha256, sheet, row_no, started_at AS ts,
                       coalesce(transcript, script) AS quote,
                       regexp_extract(coalesce(transcript, script), '{PARTNER_RE}') AS grp
                FROM calls WHERE holder = ? AND regexp_matches(coalesce(transcript, script, ''), '{PARTNER_RE}')""",
            [holder], "外呼中谎称与银行合作、有内部关系", "calls claiming bank ties"))
    if not queries:
        return []
    n = _count(ctx, queries)
    if not n:
        return []
    facts = (f"在营销短信、外呼中宣称是银行合作机构、与银行审批人员熟悉或有内部关系 {n} 次",
             f"claimed bank partnership or insider ties in {n} marketing messages or calls")
    cand = Candidate(holder, "false_publicity", queries, facts, {"rows": n}, source="charges.partner_claims")
    cand.strength = "strong" if n >= 10 else "moderate"
    cand.reasons.append(("宣传内容可由合作协议核实，未查获任何协议", "checkable against agreements; none was seized"))
    return [cand]


def bribery(ctx: Context, holder: str) -> list[Candidate]:
    staff: set[str] = set()
    sessions: list[str] = []
    if ctx.has["chats"]:
        for chat, sender, receiver in ctx.con.execute(
            f"SELECT DISTINCT chat, sender, receiver FROM chats WHERE holder = ? AND regexp_matches(coalesce(chat, ''), '{BANK_RE}')",
            [holder]).fetchall():
            sessions.append(str(chat))
            for person in (sender, receiver):
                if person and str(person) in str(chat):
                    staff.add(str(person))
    sessions = sorted(set(sessions))
    queries: list[Query] = []
    chat_hits = pay_n = 0
    money = 0.0
    if sessions and ctx.has["findings"]:
        q = Query(
            f"""SELECT 'chats' AS kind, f.evidence_sha256, f.sheet, f.row_no, c.sent_at AS ts, c.text AS quote, c.chat AS grp
                FROM findings f JOIN chats c ON c.evidence_sha256 = f.evidence_sha256 AND c.row_no = f.row_no
                 AND c.sheet IS NOT DISTINCT FROM f.sheet
                WHERE f.holder = ? AND f.kind = 'chats' AND f.label = 'bribery' AND f.rule IS NOT NULL
                  AND {_in_list('c.chat')}""",
            [holder, sessions], "与银行工作人员的聊天：好处费、回扣", "chats with bank staff about kickbacks")
        chat_hits = _count(ctx, [q])
        if chat_hits:
            queries.append(q)
    if staff and ctx.has["payments"]:
        where = f"holder = ? AND {_in_list('payee')}"
        pay_n, money = (lambda r: (int(r[0]), float(r[1] or 0)))(ctx.one(
            f"SELECT count(*), sum(amount) FROM payments WHERE {where}", [holder, sorted(staff)]))
        if pay_n:
            queries.append(Query(
                f"""SELECT 'payments' AS kind, evidence_sha256, sheet, row_no, paid_at AS ts,
                           coalesce(memo, '') || ' ' || CAST(amount AS VARCHAR) AS quote, payee AS grp
                    FROM payments WHERE {where}""",
                [holder, sorted(staff)], "向银行工作人员付款", "payments to bank staff"))
    if queries:
        facts = (f"向银行工作人员 {len(staff)} 人给予好处费、回扣（付款 {pay_n} 笔，计 {money:.2f} 元；相关聊天 {chat_hits} 条），以谋取贷款审批",
                 f"gave kickbacks to {len(staff)} bank staff ({pay_n} payments, {money:.2f} yuan; {chat_hits} chats) to obtain loan approvals")
        cand = Candidate(holder, "bribery", queries, facts, {"money": money, "payments": pay_n, "chats": chat_hits,
                                                             "recipients": len(staff)}, source="chats+payments")
        cand.strength = "strong" if (pay_n and chat_hits) else "moderate"
        cand.reasons.append(("收款人是银行工作人员（聊天会话名称显示其所在银行）", "the payees are bank staff (their chat sessions name the bank)"))
        if pay_n:
            cand.reasons.append(("付款在个人之间，未见入账为佣金或折扣", "person-to-person payments, not booked as commission or discount"))
        return [cand]
    # bribery words outside any session with bank staff: a lead at most (a booked commission is lawful)
    if ctx.has["findings"]:
        n = int(ctx.one("SELECT count(*) FROM findings WHERE holder = ? AND label = 'bribery' AND kind IN ('chats', 'payments')", [holder])[0])
        if n:
            q = Query(
                """SELECT f.kind, f.evidence_sha256, f.sheet, f.row_no, CAST(NULL AS TIMESTAMP) AS ts, f.quote, f.rule AS grp
                   FROM findings f WHERE f.holder = ? AND f.label = 'bribery' AND f.kind IN ('chats', 'payments')""",
                [holder], "含返点、好处费等字样的记录", "records mentioning commissions or kickbacks")
            return [Candidate(holder, "bribery", [q], ("记录中出现返点、好处费等字样", "records mention commissions or kickbacks"),
                              {"rows": n}, lead=(
                "未显示收受方是交易相对方（银行）的工作人员：明示并如实入账的佣金、折扣是合法的",
                "no recipient is shown to be staff of a counterparty (a bank): openly booked commissions are lawful",
            ), source="findings.bribery")]
    return []


def fraud(ctx: Context, holder: str) -> list[Candidate]:
    if not ctx.has["findings"]:
        return []
    from qinglian.detect.text.rules import RULES

    strong = sorted(r.id for r in RULES if r.label == "fraud" and r.weight >= 3.5)
    rules = [str(r[0]) for r in ctx.con.execute(
        "SELECT DISTINCT rule FROM findings WHERE holder = ? AND label = 'fraud' AND rule IS NOT NULL AND kind IN ('sms', 'calls')",
        [holder]).fetchall()]
    out: list[Candidate] = []
    if rules:
        queries = _finding_queries("fraud", holder, None, None)
        n = _count(ctx, queries)
        cand = Candidate(holder, "fraud", queries, (f"话术、短信含诈骗特征 {n} 次（{'、'.join(rules)}）",
                                                    f"fraud signs in {n} scripts or SMS ({', '.join(rules)})"),
                         {"rows": n, "rules": rules}, source="findings.fraud")
        if n and (set(rules) & set(strong) or len(rules) >= 2):
            cand.referral = True
            cand.strength = "moderate"
            cand.reasons.append(("诈骗规则命中，需公安机关查明非法占有目的", "fraud rules matched; intent to defraud is for the police to establish"))
        else:
            cand.lead = ("只有弱诈骗特征（如“保证金”）一项", "only one weak fraud sign")
        out.append(cand)
    n_model = int(ctx.one(
        "SELECT count(*) FROM findings WHERE holder = ? AND label = 'fraud' AND rule IS NULL AND kind IN ('sms', 'calls')", [holder])[0])
    if n_model:
        q = Query(
            """SELECT f.kind, f.evidence_sha256, f.sheet, f.row_no, CAST(NULL AS TIMESTAMP) AS ts, f.quote, 'model' AS grp
               FROM findings f WHERE f.holder = ? AND f.label = 'fraud' AND f.rule IS NULL AND f.kind IN ('sms', 'calls')""",
            [holder], "仅模型评分的诈骗风险", "fraud risk by model score only")
        out.append(Candidate(holder, "fraud", [q], (f"模型评为诈骗风险 {n_model} 条", f"{n_model} texts scored as fraud risk by the model"),
                             {"rows": n_model}, lead=(
            "只有模型评分，没有规则命中，也不对应任何条文", "a model score only: no rule matched and no provision applies",
        ), source="findings.fraud.model"))
    return out


def model_only(ctx: Context, holder: str) -> list[Candidate]:
    """Labels other than fraud scored by the model with no rule: leads, never charges."""
    if not ctx.has["findings"]:
        return []
    out: list[Candidate] = []
    conduct_of = {"impersonation": "impersonation", "false_promise": "false_promise", "credit_packaging": "credit_packaging"}
    for label, n in ctx.con.execute(
        f"""SELECT label, count(*) FROM findings WHERE holder = ? AND rule IS NULL AND kind IN ('sms', 'calls')
            AND {_in_list('label')} GROUP BY 1 ORDER BY 1""", [holder, sorted(conduct_of)]).fetchall():
        q = Query(
            """SELECT f.kind, f.evidence_sha256, f.sheet, f.row_no, CAST(NULL AS TIMESTAMP) AS ts, f.quote, 'model' AS grp
               FROM findings f WHERE f.holder = ? AND f.label = ? AND f.rule IS NULL AND f.kind IN ('sms', 'calls')""",
            [holder, label], "仅模型评分", "model score only")
        out.append(Candidate(holder, conduct_of[str(label)], [q], (f"模型评分 {n} 条", f"{n} texts by model score"),
                             {"rows": int(n)}, lead=("只有模型评分，没有规则命中", "a model score only, no rule matched"),
                             source=f"findings.{label}.model"))
    return out


BUILDERS: tuple[Builder, ...] = (
    pi_unlawful, pi_provide, unsolicited, after_refusal, list_dialling, profiling, impersonation,
    false_promise, false_publicity, credit_packaging, bribery, fraud, model_only,
)
