"""Cross-region referral: the upstream vendors' and platforms' accounts grouped by the province
they operate in, with the consumers reached in each province, for a 移送/协查函 per region.

Two attributions meet here and are kept apart:

- an **account's region** is where the account operates: the province (and city) of the
  upstream's account table, else the registered address written beside it, else the dominant
  归属地 of the numbers it called from; ``source`` says which decided, so an investigator can check;
- **consumers reached in a region** are the distinct numbers called or texted by any of the
  upstream's accounts (wherever those operate) whose 归属地 lies in the region.

Charges and leads of a region are those of the parties that hold the region's accounts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.errors import QinglianError
from qinglian.link.sql import has_table

# The provincial-level divisions, full name by short name (归属地 tables and people write both).
PROVINCES: dict[str, str] = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市", "河北": "河北省",
    "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省", "黑龙江": "黑龙江省", "江苏": "江苏省",
    "浙江": "浙江省", "安徽": "安徽省", "福建": "福建省", "江西": "江西省", "山东": "山东省",
    "河南": "河南省", "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省", "海南": "海南省",
    "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省", "甘肃": "甘肃省",
    "青海": "青海省", "台湾": "台湾省", "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区",
    "西藏": "西藏自治区", "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}  # fmt: skip
_FULL = set(PROVINCES.values())
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
# "浙江省杭州市…", "杭州市…" in an address: the first province-level name, then a city
_CITY = re.compile(r"^(.{2,9}?(?:市|自治州|地区|盟))")
# A province written out that is not in the list (a demo's 演示省): kept as written
_OTHER_PROVINCE = re.compile(r"^(.{1,8}?(?:省|自治区|特别行政区))")

# Columns an account table may carry beside the fields ingest maps (kept in ``extra``)
CITY_KEYS: tuple[str, ...] = ("城市", "所在城市", "所属城市", "地市", "市")
ADDRESS_KEYS: tuple[str, ...] = ("注册地址", "注册地", "公司地址", "经营地址", "办公地址", "地址", "所在地")

TIES: dict[str, tuple[str, str]] = {
    "provides": ("上游账号表列出", "listed in the upstream's account table"),
    "carried": ("见于上游自己的记录", "in the upstream's own logs"),
    "paid_platform": ("使用单位向该平台付费，账号见于其短信记录",
                      "the holder pays the platform and its SMS export shows the account"),
}

SOURCES: dict[str, tuple[str, str]] = {
    "account_table": ("账号表省份", "province in the account table"),
    "registered_address": ("账号表登记地址", "registered address in the account table"),
    "calling_numbers": ("主叫号码归属地", "归属地 of the numbers the account called from"),
}

UNKNOWN = "未知"


def canonical_province(text: str | None) -> str | None:
    """'浙江' / '浙江省' -> '浙江省', '广西' -> '广西壮族自治区'; a province not in the list is kept
    when written as one ('演示省'); None for anything else ('华东', empty)."""
    if text is None:
        return None
    value = re.sub(r"\s+", "", text)
    if value in _FULL:
        return value
    known = PROVINCES.get(_SUFFIX.sub("", value)) or PROVINCES.get(value)
    if known:
        return known
    m = _OTHER_PROVINCE.match(value)
    return value if m and m.group(1) == value else None


def parse_place(text: str | None) -> tuple[str | None, str | None]:
    """(province, city) at the start of a place or address: '浙江省杭州市西湖区…' ->
    ('浙江省', '杭州市'); '上海市浦东新区…' -> ('上海市', '上海市'); unknown -> (None, None)."""
    if not text:
        return None, None
    value = re.sub(r"\s+", "", text)
    for short, full in PROVINCES.items():
        for written in (full, short):
            if value.startswith(written):
                rest = value[len(written):]
                if full in _MUNICIPALITIES:
                    return full, full
                m = _CITY.match(rest)
                return full, (m.group(1) if m else None)
    m = _OTHER_PROVINCE.match(value)
    if m:
        city = _CITY.match(value[len(m.group(1)):])
        return m.group(1), (city.group(1) if city else None)
    return None, None


@dataclass
class Account:
    account: str
    upstream: str  # upstream entity name
    upstream_type: str  # vendor | platform
    tie: str  # key of TIES: how the account is known to be the upstream's
    customer: str | None
    holder: str | None  # the party (canonical name) that holds the account
    province: str | None
    city: str | None
    source: str | None  # key of SOURCES; None when nothing placed the account
    source_detail: str  # what was read, e.g. '省份=浙江' or '主叫 12/15 次归属浙江省'
    seats: int | None
    calls: int = 0
    sms: int = 0
    consumers: int = 0  # distinct numbers this account called or texted
    evidence_sha256: str | None = None
    file_name: str | None = None
    sheet: str | None = None
    row_no: int | None = None

    @property
    def source_zh(self) -> str:
        return SOURCES[self.source][0] if self.source in SOURCES else "未能确定"

    @property
    def tie_zh(self) -> str:
        return TIES[self.tie][0]


@dataclass
class City:
    city: str
    accounts: int = 0
    consumers: int = 0


@dataclass
class Region:
    region: str
    accounts: list[Account] = field(default_factory=list)
    consumers: int = 0  # distinct numbers with 归属地 here, reached by any upstream account
    consumers_by_accounts: int = 0  # distinct numbers reached by this region's accounts, anywhere
    cities: list[City] = field(default_factory=list)
    charges: list[dict[str, Any]] = field(default_factory=list)
    leads: list[dict[str, Any]] = field(default_factory=list)
    extract: list[dict[str, Any]] = field(default_factory=list)  # sample contacts of consumers here

    @property
    def seats(self) -> int:
        return sum(a.seats or 0 for a in self.accounts)

    @property
    def calls(self) -> int:
        return sum(a.calls for a in self.accounts)

    @property
    def sms(self) -> int:
        return sum(a.sms for a in self.accounts)

    @property
    def holders(self) -> list[str]:
        return sorted({a.holder for a in self.accounts if a.holder})

    def sources(self) -> dict[str, int]:
        return dict(Counter(a.source or "none" for a in self.accounts))

    def sources_zh(self) -> dict[str, int]:
        return dict(Counter(a.source_zh for a in self.accounts))

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "accounts": len(self.accounts),
            "consumers": self.consumers,
            "consumers_by_accounts": self.consumers_by_accounts,
            "seats": self.seats,
            "calls": self.calls,
            "sms": self.sms,
            "region_sources": self.sources(),
            "cities": [{"city": c.city, "accounts": c.accounts, "consumers": c.consumers} for c in self.cities],
            "holders": len(self.holders),
            "charges": len(self.charges),
            "leads": len(self.leads),
        }


@dataclass
class Referrals:
    upstreams: list[tuple[str, str, int]]  # (type, name, rank) of the upstreams whose accounts count
    regions: list[Region]
    unplaced: list[Account]  # accounts nothing placed in a province
    consumers_total: int
    consumers_unknown: int  # reached numbers without a 归属地 (landlines, unknown prefixes)
    accounts_total: int  # every upstream account, whatever region was asked for

    def by_name(self) -> dict[str, Region]:
        return {r.region: r for r in self.regions}


SAMPLE_ROWS = 20  # contacts per region in the evidence extract


def _upstream_accounts(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``ref_acc(account, upstream, upstream_type, tie)``: the accounts the ranked vendors
    and platforms provide (their account table) or carry (their own logs); else, an SMS account of
    a holder that pays a platform (a platform seldom hands over a table, the holder's export shows
    the account). An account tied to several upstreams goes to the best-ranked, by table first."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ref_acc AS
        WITH tied AS (
            SELECT substr(l.dst, 9) AS account, u.name, u.type, l.relation AS tie, u.rank AS k
            FROM links l JOIN upstream u ON u.entity_id = l.src
            WHERE u.type IN ('vendor', 'platform') AND l.relation IN ('provides', 'carried')
                  AND starts_with(l.dst, 'account:')
            UNION ALL
            SELECT substr(a.src, 9), u.name, u.type, 'paid_platform', 1e9 + u.rank
            FROM links a JOIN links p ON p.src = a.dst AND p.relation = 'pays'
            JOIN upstream u ON u.entity_id = p.dst AND u.type = 'platform'
            WHERE a.relation = 'used_by' AND starts_with(a.src, 'account:')
                  AND substr(a.src, 9) IN (SELECT account FROM sms WHERE account IS NOT NULL))
        SELECT account, arg_min(name, k) AS upstream, arg_min(type, k) AS upstream_type, arg_min(tie, k) AS tie
        FROM tied GROUP BY account"""
    )


def _json_keys(keys: tuple[str, ...]) -> str:
    """coalesce over ``extra`` keys; the keys are constants above, passed as JSON paths."""
    return "coalesce(" + ", ".join("nullif(trim(json_extract_string(a.extra, ?)), '')" for _ in keys) + ")"


def _accounts(con: duckdb.DuckDBPyConnection) -> dict[str, Account]:
    rows = con.execute(
        f"""WITH t AS (
            SELECT a.account, a.customer, a.province, a.seats,
                   {_json_keys(CITY_KEYS)} AS city, {_json_keys(ADDRESS_KEYS)} AS address,
                   a.evidence_sha256, a.sheet, a.row_no,
                   row_number() OVER (PARTITION BY a.account ORDER BY a.evidence_sha256, a.row_no) AS k
            FROM accounts a WHERE a.account IN (SELECT account FROM ref_acc))
        SELECT r.account, r.upstream, r.upstream_type, r.tie, t.customer, t.province, t.city, t.address, t.seats,
               e.holder, t.evidence_sha256, ev.file_name, t.sheet, t.row_no
        FROM ref_acc r LEFT JOIN t ON t.account = r.account AND t.k = 1
        LEFT JOIN entities e ON e.entity_id = 'account:' || r.account
        LEFT JOIN evidence ev ON ev.sha256 = t.evidence_sha256
        ORDER BY r.account""",
        [f'$."{k}"' for k in CITY_KEYS] + [f'$."{k}"' for k in ADDRESS_KEYS],
    ).fetchall()
    out: dict[str, Account] = {}
    for (account, upstream, utype, tie, customer, province, city, address, seats, holder,
         sha, file_name, sheet, row_no) in rows:
        acc = Account(account=str(account), upstream=str(upstream), upstream_type=str(utype), tie=str(tie),
                      customer=customer, holder=holder, province=None, city=None, source=None,
                      source_detail="", seats=int(seats) if seats is not None else None,
                      evidence_sha256=sha, file_name=file_name, sheet=sheet,
                      row_no=int(row_no) if row_no is not None else None)
        prov, prov_city = parse_place(province)
        prov = canonical_province(province) or prov
        if prov:
            acc.province, acc.source = prov, "account_table"
            acc.city = city or prov_city
            acc.source_detail = f"省份={province}" + (f"，城市={city}" if city else "")
        elif address:
            a_prov, a_city = parse_place(address)
            if a_prov:
                acc.province, acc.city, acc.source = a_prov, a_city, "registered_address"
                acc.source_detail = f"登记地址以“{a_prov}{a_city or ''}”开头"
        out[acc.account] = acc
    return out


def _place_by_callers(con: duckdb.DuckDBPyConnection, accounts: dict[str, Account]) -> None:
    """Accounts the table does not place: the most frequent 归属地 of their calling numbers."""
    rows = con.execute(
        """SELECT c.account, p.province, p.city, count(*) AS n
        FROM calls c JOIN phone_prefixes p ON p.prefix = substr(c.caller, 4, 7)
        WHERE c.account IN (SELECT account FROM ref_acc) AND c.caller LIKE '+861%' AND p.province IS NOT NULL
        GROUP BY ALL"""
    ).fetchall()
    per: dict[str, Counter[tuple[str, str | None]]] = defaultdict(Counter)
    for account, province, city, n in rows:
        prov = canonical_province(province)
        if prov:
            per[str(account)][(prov, city)] += int(n)
    for account, counts in per.items():
        acc = accounts.get(account)
        if acc is None or acc.source is not None:
            continue
        by_province: Counter[str] = Counter()
        for (prov, _city), n in counts.items():
            by_province[prov] += n
        total = sum(by_province.values())
        prov, n = min(by_province.items(), key=lambda kv: (-kv[1], kv[0]))
        city = min(((c, m) for (p, c), m in counts.items() if p == prov),
                   key=lambda kv: (-kv[1], kv[0] or ""))[0]
        acc.province, acc.city, acc.source = prov, city, "calling_numbers"
        acc.source_detail = f"主叫 {n}/{total} 次归属{prov}"


def _volumes(con: duckdb.DuckDBPyConnection, accounts: dict[str, Account]) -> None:
    rows = con.execute(
        """WITH c AS (SELECT account, count(*) AS n FROM calls
                      WHERE account IN (SELECT account FROM ref_acc) GROUP BY 1),
             s AS (SELECT account, count(*) AS n FROM sms
                   WHERE account IN (SELECT account FROM ref_acc) GROUP BY 1),
             r AS (SELECT account, count(DISTINCT number) AS n FROM ref_reached GROUP BY 1)
        SELECT a.account, coalesce(c.n, 0), coalesce(s.n, 0), coalesce(r.n, 0)
        FROM ref_acc a LEFT JOIN c USING (account) LEFT JOIN s USING (account) LEFT JOIN r USING (account)"""
    ).fetchall()
    for account, calls, sms, reached in rows:
        acc = accounts[str(account)]
        acc.calls, acc.sms, acc.consumers = int(calls), int(sms), int(reached)


def _reached(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``ref_reached(number, account, province, city)``: every number an upstream
    account called or texted, once per account, with its 归属地 (NULL where unknown)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ref_reached AS
        WITH r AS (
            SELECT DISTINCT callee AS number, account FROM calls
            WHERE account IN (SELECT account FROM ref_acc) AND callee IS NOT NULL
            UNION
            SELECT DISTINCT recipient, account FROM sms
            WHERE account IN (SELECT account FROM ref_acc) AND recipient IS NOT NULL)
        SELECT r.number, r.account, p.province, p.city
        FROM r LEFT JOIN phone_prefixes p
          ON starts_with(r.number, '+861') AND p.prefix = substr(r.number, 4, 7)"""
    )


def _charges(con: duckdb.DuckDBPyConnection, holders: set[str]) -> tuple[dict[str, list[dict[str, Any]]],
                                                                           dict[str, list[dict[str, Any]]]]:
    charges: dict[str, list[dict[str, Any]]] = defaultdict(list)
    leads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not holders:
        return charges, leads
    names = sorted(holders)
    # a case linked but not yet charged has no charges tables: its regions simply show none
    if not (has_table(con, "charges") and has_table(con, "leads")):
        return charges, leads
    for cid, holder, conduct, strength, status, first_at, last_at in con.execute(
        """SELECT charge_id, holder, conduct_zh, strength, status, first_at, last_at FROM charges
        WHERE list_contains(?, holder) ORDER BY holder, charge_id""", [names]
    ).fetchall():
        charges[str(holder)].append({"charge_id": cid, "holder": holder, "conduct": conduct,
                                     "strength": strength, "status": status,
                                     "first_at": first_at, "last_at": last_at})
    for lid, holder, conduct, reason, rows in con.execute(
        """SELECT lead_id, holder, conduct, reason_zh, rows FROM leads
        WHERE list_contains(?, holder) ORDER BY holder, lead_id""", [names]
    ).fetchall():
        leads[str(holder)].append({"lead_id": lid, "holder": holder, "conduct": conduct,
                                   "reason": reason, "rows": rows})
    return charges, leads


def _extract(con: duckdb.DuckDBPyConnection, region_of: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Up to SAMPLE_ROWS calls per region to numbers whose 归属地 is there (raw: masked by the writer)."""
    rows = con.execute(
        """WITH c AS (
            SELECT c.started_at, c.account, c.caller, c.callee, p.province, p.city, c.evidence_sha256,
                   c.sheet, c.row_no
            FROM calls c JOIN phone_prefixes p
              ON starts_with(c.callee, '+861') AND p.prefix = substr(c.callee, 4, 7)
            WHERE c.account IN (SELECT account FROM ref_acc) AND p.province IS NOT NULL),
        k AS (SELECT *, row_number() OVER (PARTITION BY province ORDER BY evidence_sha256, row_no) AS k FROM c)
        SELECT k.province, k.city, k.started_at, k.account, k.caller, k.callee, k.evidence_sha256,
               e.file_name, k.sheet, k.row_no
        FROM k LEFT JOIN evidence e ON e.sha256 = k.evidence_sha256 WHERE k.k <= ?
        ORDER BY k.province, k.k""",
        [SAMPLE_ROWS],
    ).fetchall()
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for province, city, started, account, caller, callee, sha, file_name, sheet, row_no in rows:
        prov = canonical_province(province)
        if prov is None:
            continue
        out[prov].append({"when": started, "account": account, "caller": caller, "callee": callee,
                          "city": city, "account_region": region_of.get(str(account), UNKNOWN),
                          "evidence_sha256": sha, "file_name": file_name, "sheet": sheet, "row_no": row_no})
    return out


def referrals(con: duckdb.DuckDBPyConnection, region: str | None = None) -> Referrals:
    """The regions of the case's upstream accounts (every region, or the one named)."""
    has_upstream = has_table(con, "upstream") and con.execute(
        "SELECT count(*) FROM upstream WHERE type IN ('vendor', 'platform')").fetchone() != (0,)
    if not has_upstream:
        raise QinglianError(
            "案件中没有已排名的上游供应商或平台，无法按地区移送",
            "the case has no ranked upstream vendor or platform to refer by region",
            hint_zh="先导入供应商的客户账号表并运行 qinglian link（或 qinglian demo）",
            hint_en="ingest the vendor's account table and run qinglian link (or qinglian demo) first",
        )
    _upstream_accounts(con)
    accounts = _accounts(con)
    if not accounts:
        raise QinglianError(
            "上游供应商或平台名下没有账号，无法按地区移送",
            "the upstream vendors and platforms have no accounts in the case to refer by region",
            hint_zh="导入供应商的客户账号表（记录类型 accounts）后重新运行 qinglian link",
            hint_en="ingest the vendor's account table (record kind accounts), then run qinglian link again",
        )
    _place_by_callers(con, accounts)
    _reached(con)
    _volumes(con, accounts)
    region_of = {a.account: a.province for a in accounts.values() if a.province}
    placed = pa.table({"account": list(region_of), "region": list(region_of.values())},
                      schema=pa.schema([("account", pa.string()), ("region", pa.string())]))
    con.register("ref_region_arrow", placed)
    try:
        by_accounts = {str(r): int(n) for r, n in con.execute(
            """SELECT g.region, count(DISTINCT r.number) FROM ref_reached r
            JOIN ref_region_arrow g USING (account) GROUP BY 1""").fetchall()}
    finally:
        con.unregister("ref_region_arrow")
    consumers: Counter[str] = Counter()
    cities: dict[str, Counter[str]] = defaultdict(Counter)
    unknown = 0
    total = 0
    for province, city, n in con.execute(
        """SELECT province, city, count(*) FROM (SELECT DISTINCT number, province, city FROM ref_reached)
        GROUP BY ALL"""
    ).fetchall():
        total += int(n)
        prov = canonical_province(province)
        if prov is None:
            unknown += int(n)
            continue
        consumers[prov] += int(n)
        cities[prov][city or UNKNOWN] += int(n)
    regions: dict[str, Region] = {}
    for name in sorted(set(consumers) | set(region_of.values())):
        regions[name] = Region(region=name, consumers=consumers.get(name, 0),
                               consumers_by_accounts=by_accounts.get(name, 0))
    unplaced: list[Account] = []
    for acc in accounts.values():
        if acc.province is None:
            unplaced.append(acc)
        else:
            regions[acc.province].accounts.append(acc)
    charges, leads = _charges(con, {a.holder for a in accounts.values() if a.holder and a.province})
    extract = _extract(con, region_of)
    for reg in regions.values():
        account_cities: Counter[str] = Counter(a.city or UNKNOWN for a in reg.accounts)
        names = sorted(set(account_cities) | set(cities[reg.region]), key=lambda c: (c == UNKNOWN, c))
        reg.cities = [City(c, account_cities.get(c, 0), cities[reg.region].get(c, 0)) for c in names]
        for holder in reg.holders:
            reg.charges += charges.get(holder, [])
            reg.leads += leads.get(holder, [])
        reg.extract = extract.get(reg.region, [])
    chosen = list(regions.values())
    if region is not None:
        want = canonical_province(region) or region
        chosen = [r for r in chosen if r.region == want]
        if not chosen:
            raise QinglianError(
                f"没有地区“{region}”：上游账号和被联系的消费者都不在该地区",
                f"no region {region!r}: neither upstream accounts nor reached consumers are there",
                hint_zh="可选地区：" + "、".join(regions),
                hint_en="regions: " + ", ".join(regions),
            )
    ups = [(str(t), str(n), int(k)) for t, n, k in con.execute(
        """SELECT type, name, rank FROM upstream
        WHERE (type, name) IN (SELECT (upstream_type, upstream) FROM ref_acc) ORDER BY type DESC, rank"""
    ).fetchall()]
    return Referrals(upstreams=ups, regions=chosen, unplaced=unplaced, consumers_total=total,
                     consumers_unknown=unknown, accounts_total=len(accounts))
