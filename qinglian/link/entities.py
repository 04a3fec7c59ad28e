"""Entities and the links between them, each link citing the first evidence row that supports it.

Every link statement below yields (src, dst, relation, evidence_sha256, sheet, row_no);
``_add_links`` keeps one row per (src, dst, relation) with the earliest supporting row as
its citation and the number of supporting rows as its weight. Names of companies go
through the ``name_map`` temp table that resolution fills (record name -> canonical).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from qinglian.link.keys import pseudonym
from qinglian.link.sql import reset_table
from qinglian.store.schema import KINDS
from qinglian.store.sqlident import quote_ident

UPSTREAM_MIN_ACCOUNTS = 50  # a log holding this many accounts is a vendor's / platform's, not a seat list
# A payee that this many holders pay for dialling or SMS services is a vendor or platform even when
# nothing was seized from it (rent, salaries and the like do not match the memo words).
UPSTREAM_MIN_PAYERS = 3
SERVICE_MEMO = "短信|群发|通道|签名|外呼|坐席|语音|机器人|线路|呼叫|话术|号码|SIP|sip"
SMS_MEMO = "短信|群发|通道|签名"
_HAN = r"[\x{4e00}-\x{9fff}]"
_BANK = (
    r"((?:工商|建设|农业|中国|交通|招商|浦发|民生|兴业|光大|中信|平安|华夏|广发|邮储|邮政储蓄|浙商|渤海|恒丰"
    rf"|{_HAN}{{2}}农商|{_HAN}{{2,4}}商业|{_HAN}{{2}}农村商业|{_HAN}{{2}}村镇)银行"
    rf"(?:{_HAN}{{1,6}}?[支分]行)?)"
)
# "工商银行的李经理", "演示农商银行东湖区支行信贷经理王五": bank, then a surname and a title
BANK_STAFF_RE = _BANK + rf"[^，。,.;；!！?？]{{0,8}}?({_HAN}(?:经理|主管|行长|柜员|专员|信贷员))"
# "王五（演示农商银行东湖区支行）": a chat or sender named after the person and the bank
BANK_CONTACT_RE = rf"({_HAN}{{2,3}})[（(]" + _BANK + "[）)]"

LINKS: dict[str, str] = {
    # vendor / platform provides an account: the row of its account table
    "provides": """
        SELECT u.type || ':' || canon(a.holder), 'account:' || a.account, 'provides',
               a.evidence_sha256, a.sheet, a.row_no
        FROM accounts a JOIN upstreams u ON u.holder = canon(a.holder)
        WHERE a.account IS NOT NULL""",
    # an account is held by the customer named in the vendor's table
    "held_by": """
        SELECT 'account:' || a.account, 'holder:' || canon(a.customer), 'held_by',
               a.evidence_sha256, a.sheet, a.row_no
        FROM accounts a WHERE a.account IS NOT NULL AND a.customer IS NOT NULL""",
    # an account is used by the holder whose own export shows it
    "used_by_calls": """
        SELECT 'account:' || c.account, 'holder:' || canon(c.holder), 'used_by',
               c.evidence_sha256, c.sheet, c.row_no
        FROM calls c WHERE c.account IS NOT NULL AND canon(c.holder) NOT IN (SELECT holder FROM upstreams)""",
    "used_by_sms": """
        SELECT 'account:' || s.account, 'holder:' || canon(s.holder), 'used_by',
               s.evidence_sha256, s.sheet, s.row_no
        FROM sms s WHERE s.account IS NOT NULL AND canon(s.holder) NOT IN (SELECT holder FROM upstreams)""",
    # an upstream's own logs show the account on its system
    "carried_calls": """
        SELECT u.type || ':' || canon(c.holder), 'account:' || c.account, 'carried',
               c.evidence_sha256, c.sheet, c.row_no
        FROM calls c JOIN upstreams u ON u.holder = canon(c.holder) WHERE c.account IS NOT NULL""",
    "carried_sms": """
        SELECT u.type || ':' || canon(s.holder), 'account:' || s.account, 'carried',
               s.evidence_sha256, s.sheet, s.row_no
        FROM sms s JOIN upstreams u ON u.holder = canon(s.holder) WHERE s.account IS NOT NULL""",
    "dialled_from": """
        SELECT 'number:' || c.caller, 'account:' || c.account, 'dialled_from',
               c.evidence_sha256, c.sheet, c.row_no
        FROM calls c WHERE c.caller IS NOT NULL AND c.account IS NOT NULL""",
    "number_used_by": """
        SELECT 'number:' || c.caller, 'holder:' || canon(c.holder), 'used_by',
               c.evidence_sha256, c.sheet, c.row_no
        FROM calls c WHERE c.caller IS NOT NULL AND canon(c.holder) NOT IN (SELECT holder FROM upstreams)""",
    "signature_sent_by": """
        SELECT 'signature:' || s.signature, 'holder:' || canon(s.holder), 'sent_by',
               s.evidence_sha256, s.sheet, s.row_no
        FROM sms s WHERE s.signature IS NOT NULL AND canon(s.holder) NOT IN (SELECT holder FROM upstreams)""",
    "signature_account": """
        SELECT 'signature:' || s.signature, 'account:' || s.account, 'sent_from',
               s.evidence_sha256, s.sheet, s.row_no
        FROM sms s WHERE s.signature IS NOT NULL AND s.account IS NOT NULL""",
    "staff_of": """
        SELECT 'staff:' || canon(h.holder) || ':' || h.sender, 'holder:' || canon(h.holder), 'staff_of',
               h.evidence_sha256, h.sheet, h.row_no
        FROM chats h WHERE h.sender IS NOT NULL""",
    "bank_staff": """
        SELECT 'bank_staff:' || b.bank || b.person, 'holder:' || canon(b.holder), 'named_in_chat',
               b.evidence_sha256, b.sheet, b.row_no
        FROM bank_mentions b""",
    "paid": """
        SELECT 'holder:' || canon(p.payer), 'payment:' || canon(p.payer) || '→' || canon(p.payee), 'paid',
               p.evidence_sha256, p.sheet, p.row_no
        FROM payments p WHERE p.payer IS NOT NULL AND p.payee IS NOT NULL""",
    "paid_to": """
        SELECT 'payment:' || canon(p.payer) || '→' || canon(p.payee),
               coalesce(u.type || ':', 'holder:') || canon(p.payee), 'paid_to',
               p.evidence_sha256, p.sheet, p.row_no
        FROM payments p LEFT JOIN upstreams u ON u.holder = canon(p.payee)
        WHERE p.payer IS NOT NULL AND p.payee IS NOT NULL""",
    "pays_upstream": """
        SELECT 'holder:' || canon(p.payer), u.type || ':' || u.holder, 'pays',
               p.evidence_sha256, p.sheet, p.row_no
        FROM payments p JOIN upstreams u ON u.holder = canon(p.payee) WHERE p.payer IS NOT NULL""",
    "complaint_number": """
        SELECT k.consumer, 'number:' || c.caller, 'complained_about',
               c.evidence_sha256, c.sheet, c.row_no
        FROM complaints c JOIN consumer_keys k ON k.phone = c.complainant WHERE c.caller IS NOT NULL""",
    "complaint_respondent": """
        SELECT k.consumer, 'holder:' || canon(c.respondent), 'complained_of',
               c.evidence_sha256, c.sheet, c.row_no
        FROM complaints c JOIN consumer_keys k ON k.phone = c.complainant
        WHERE canon(c.respondent) IN (SELECT canonical FROM known_parties)""",
    "complainant_listed": """
        SELECT k.consumer, 'list:' || c.evidence_sha256 || ':' || coalesce(c.sheet, ''), 'listed_in',
               c.evidence_sha256, c.sheet, c.row_no
        FROM customers c JOIN consumer_keys k ON k.phone = c.phone""",
    "complainant_called": """
        SELECT k.consumer, 'holder:' || canon(c.holder), 'called_by',
               c.evidence_sha256, c.sheet, c.row_no
        FROM calls c JOIN consumer_keys k ON k.phone = c.callee""",
}


def load_name_map(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables ``name_map`` (from ``resolution``) and ``known_parties`` (holders and the
    vendor's customers), and the macro ``canon(name)``."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE name_map AS "
        "SELECT record_name, canonical_name AS canonical, source FROM resolution"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO canon(x) AS "
        "coalesce((SELECT max(canonical) FROM name_map WHERE record_name = x), x)"
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE known_parties AS
        SELECT DISTINCT canonical FROM name_map WHERE source IN ('holder', 'accounts.customer')"""
    )


def build(con: duckdb.DuckDBPyConnection, key: bytes) -> dict[str, int]:
    """Fill ``entities`` and ``links``; needs ``load_name_map`` first. Returns counts by type."""
    _upstreams(con)
    _consumer_keys(con, key)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bank_mentions AS
        SELECT holder, evidence_sha256, sheet, row_no,
               regexp_extract(text, ?, 1) AS bank, regexp_extract(text, ?, 2) AS person
        FROM chats WHERE regexp_matches(text, ?)
        UNION ALL
        SELECT holder, evidence_sha256, sheet, row_no,
               regexp_extract(who, ?, 2) AS bank, regexp_extract(who, ?, 1) AS person
        FROM (SELECT *, concat_ws(' ', chat, sender, receiver) AS who FROM chats)
        WHERE regexp_matches(who, ?)""",
        [BANK_STAFF_RE] * 3 + [BANK_CONTACT_RE] * 3,
    )
    reset_table(con, "links")
    for sql in LINKS.values():
        con.execute(
            f"""INSERT INTO links
            SELECT src, dst, relation, first.e, first.s, first.r, n::DOUBLE
            FROM (SELECT src, dst, relation,
                         min(struct_pack(r := row_no, e := evidence_sha256, s := sheet)) AS first,
                         count(*) AS n
                  FROM ({sql}) AS t(src, dst, relation, evidence_sha256, sheet, row_no)
                  WHERE src IS NOT NULL AND dst IS NOT NULL
                  GROUP BY src, dst, relation) q"""
        )
    # holder -> customer list: grouped before canonicalising (lists can hold millions of rows)
    con.execute(
        """INSERT INTO links
        SELECT 'holder:' || canon(holder), 'list:' || evidence_sha256 || ':' || coalesce(sheet, ''),
               'holds_list', evidence_sha256, sheet, min(row_no), count(*)::DOUBLE
        FROM customers GROUP BY holder, evidence_sha256, sheet"""
    )
    reset_table(con, "entities")
    _entities(con)
    rows = con.execute("SELECT type, count(*) FROM entities GROUP BY type").fetchall()
    return {str(t): int(n) for t, n in rows}


def complaint_paths(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``complaint_holder``: each complaint row and the holder it leads to, and how
    (the respondent named, the calling number used by the holder, or the number's account)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE complaint_holder AS
        WITH number_holder AS (
            SELECT substr(src, 8) AS number, dst AS holder_id, 'number' AS via
            FROM links WHERE relation = 'used_by' AND starts_with(src, 'number:')
            UNION
            SELECT substr(n.src, 8), a.dst, 'account ' || substr(n.dst, 9)
            FROM links n JOIN links a ON a.src = n.dst AND a.relation IN ('held_by', 'used_by')
            WHERE n.relation = 'dialled_from')
        SELECT DISTINCT h.holder_id, c.evidence_sha256, c.sheet, c.row_no, h.via
        FROM complaints c JOIN number_holder h ON h.number = c.caller
        UNION
        SELECT 'holder:' || canon(respondent), evidence_sha256, sheet, row_no, 'respondent'
        FROM complaints WHERE canon(respondent) IN (SELECT canonical FROM known_parties)
        UNION
        SELECT l.dst, c.evidence_sha256, c.sheet, c.row_no, 'signature ' || substr(l.src, 11)
        FROM complaints c JOIN links l
          ON l.relation = 'sent_by' AND l.src IN ('signature:' || c.respondent, 'signature:【' || c.respondent || '】')"""
    )


def _upstreams(con: duckdb.DuckDBPyConnection) -> None:
    """Vendors and platforms: holders of an account table, of logs spanning many accounts, or
    payees that several holders pay for dialling or SMS services."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE upstreams AS
        WITH acc AS (
            SELECT canon(a.holder) AS holder,
                   count(DISTINCT a.account) FILTER (WHERE a.account IN (SELECT account FROM sms)) AS in_sms,
                   count(DISTINCT a.account)
                       FILTER (WHERE a.account IN (SELECT account FROM calls)) AS in_calls
            FROM accounts a GROUP BY 1),
        logs AS (
            SELECT canon(holder) AS holder, 'platform' AS type FROM sms GROUP BY 1
            HAVING count(DISTINCT account) >= ?
            UNION ALL
            SELECT canon(holder), 'vendor' FROM calls GROUP BY 1 HAVING count(DISTINCT account) >= ?),
        pay AS (
            SELECT canon(payee) AS holder,
                   CASE WHEN bool_or(regexp_matches(memo, ?)) THEN 'platform' ELSE 'vendor' END AS type
            FROM payments
            WHERE payee IS NOT NULL AND regexp_matches(coalesce(memo, ''), ?)
            GROUP BY 1 HAVING count(DISTINCT canon(holder)) >= ?)
        SELECT holder, CASE WHEN in_sms > in_calls THEN 'platform' ELSE 'vendor' END AS type FROM acc
        UNION
        SELECT holder, min(type) FROM logs WHERE holder NOT IN (SELECT holder FROM acc) GROUP BY holder
        UNION
        SELECT holder, type FROM pay
        WHERE holder NOT IN (SELECT holder FROM acc) AND holder NOT IN (SELECT holder FROM logs)""",
        [UPSTREAM_MIN_ACCOUNTS, UPSTREAM_MIN_ACCOUNTS, SMS_MEMO, SERVICE_MEMO, UPSTREAM_MIN_PAYERS],
    )


def _consumer_keys(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Pseudonyms of the consumers who complained; they are the consumers the chain names."""
    phones = [
        str(r[0])
        for r in con.execute(
            "SELECT DISTINCT complainant FROM complaints WHERE complainant IS NOT NULL"
        ).fetchall()
    ]
    table = pa.table({"phone": phones, "consumer": ["consumer:" + pseudonym(p, key) for p in phones]},
                     schema=pa.schema([("phone", pa.string()), ("consumer", pa.string())]))
    con.register("consumer_keys_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE consumer_keys AS SELECT * FROM consumer_keys_arrow")
    con.unregister("consumer_keys_arrow")


def _seized_holders_sql() -> str:
    parts = [
        f"SELECT canon(holder) AS holder, site, {i} AS k FROM {quote_ident(kind)} GROUP BY ALL"
        for i, kind in enumerate(KINDS)
    ]
    return " UNION ALL ".join(parts)


def _entities(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""INSERT INTO entities
        WITH seized AS ({_seized_holders_sql()}),
        customers_named AS (
            SELECT canon(customer) AS holder, any_value(province) AS province,
                   count(DISTINCT account) AS accounts, sum(seats) AS seats
            FROM accounts WHERE customer IS NOT NULL GROUP BY 1),
        ids AS (SELECT DISTINCT dst AS id FROM links UNION SELECT DISTINCT src FROM links)
        SELECT 'holder:' || h.holder, 'holder', h.holder, h.holder,
               json_object('seized', s.holder IS NOT NULL,
                           'kinds', s.kinds, 'sites', s.sites,
                           'vendor_customer', c.holder IS NOT NULL,
                           'province', c.province, 'accounts', c.accounts, 'seats', c.seats,
                           'upstream', u.type)
        FROM (SELECT holder FROM seized UNION SELECT holder FROM customers_named
              UNION SELECT substr(id, 8) FROM ids WHERE id LIKE 'holder:%') h
        LEFT JOIN (SELECT holder, list(DISTINCT list_extract(CAST(? AS VARCHAR[]), k + 1)) AS kinds,
                          list(DISTINCT site) FILTER (WHERE site IS NOT NULL) AS sites
                   FROM seized GROUP BY holder) s ON s.holder = h.holder
        LEFT JOIN customers_named c ON c.holder = h.holder
        LEFT JOIN upstreams u ON u.holder = h.holder
        WHERE h.holder IS NOT NULL""",
        [list(KINDS)],
    )
    con.execute(
        """INSERT INTO entities
        SELECT u.type || ':' || u.holder, u.type, u.holder, u.holder,
               json_object('accounts', (SELECT count(*) FROM links l
                                        WHERE l.src = u.type || ':' || u.holder AND l.relation = 'provides'))
        FROM upstreams u"""
    )
    con.execute(
        """INSERT INTO entities
        SELECT 'site:' || site, 'site', site, any_value(holder), json_object('holders', list(DISTINCT holder))
        FROM (SELECT canon(holder) AS holder, site FROM calls UNION SELECT canon(holder), site FROM sms
              UNION SELECT canon(holder), site FROM customers UNION SELECT canon(holder), site FROM chats
              UNION SELECT canon(holder), site FROM payments UNION SELECT canon(holder), site FROM accounts)
        WHERE site IS NOT NULL GROUP BY site"""
    )
    con.execute(
        """INSERT INTO entities
        SELECT 'account:' || a.account, 'account', a.account,
               coalesce(any_value(canon(a.customer)), any_value(h.holder)),
               json_object('customer', any_value(a.customer), 'province', any_value(a.province),
                           'seats', max(a.seats), 'opened_at', min(a.opened_at))
        FROM (SELECT DISTINCT substr(id, 9) AS account FROM
              (SELECT src AS id FROM links UNION SELECT dst FROM links) WHERE id LIKE 'account:%') x
        LEFT JOIN accounts a ON a.account = x.account
        LEFT JOIN (SELECT substr(src, 9) AS account, substr(dst, 8) AS holder FROM links
                   WHERE relation = 'used_by' AND src LIKE 'account:%') h ON h.account = x.account
        GROUP BY a.account, x.account HAVING x.account IS NOT NULL"""
    )
    simple = {
        "number": ("number:", "(SELECT src AS id FROM links UNION SELECT dst FROM links)"),
        "signature": ("signature:", "(SELECT src AS id FROM links)"),
        "staff": ("staff:", "(SELECT src AS id FROM links)"),
        "bank_staff": ("bank_staff:", "(SELECT src AS id FROM links)"),
        "payment": ("payment:", "(SELECT src AS id FROM links UNION SELECT dst FROM links)"),
        "consumer": ("consumer:", "(SELECT src AS id FROM links)"),
    }
    for etype, (prefix, source) in simple.items():
        con.execute(
            f"""INSERT INTO entities
            SELECT i.id, ?, substr(i.id, ?), h.holder,
                   json_object('links', (SELECT count(*) FROM links l WHERE l.src = i.id OR l.dst = i.id))
            FROM (SELECT DISTINCT id FROM {source} WHERE starts_with(id, ?)) i
            LEFT JOIN (SELECT src, min(substr(dst, 8)) AS holder FROM links
                       WHERE starts_with(dst, 'holder:') GROUP BY src) h ON h.src = i.id""",
            [etype, len(prefix) + 1, prefix],
        )
