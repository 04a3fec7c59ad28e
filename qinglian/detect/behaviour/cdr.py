"""Call records in, clean calls out: column names, time parsing, and bad input counted.

The clean table every measure reads has one row per distinct call and these columns:
``holder, account, caller, callee, t, dur, answered, handset`` where ``t`` is the start as
whole seconds since 1970-01-01 00:00 *Asia/Shanghai wall clock* (so ``t // 86400`` is the
local day and ``t % 86400 // 3600`` the local hour on every engine) and ``dur`` is the
talk time in seconds, NULL where the record's duration cannot be trusted.

Bad input is counted, never silently used: a missing or unreadable start drops the
call; a negative or absurd duration, or an end before the start, keeps the call but
not its duration; a missing callee keeps the call out of callee measures; a call
exported twice is counted once; explicit UTC offsets other than +08:00 are converted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

from qinglian.detect.behaviour.config import MeasureSettings
from qinglian.errors import QinglianError
from qinglian.store.engine import Engine
from qinglian.store.sqlident import quote_ident

SHANGHAI_OFFSET_S = 8 * 3600

# Accepted column names for call-detail files (`qinglian behaviour --calls`), matched
# case-insensitively after trimming; the first name is the canonical one.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "caller": (
        "caller",
        "calling_number",
        "caller_number",
        "a_number",
        "msisdn",
        "from",
        "主叫",
        "主叫号码",
        "外显号码",
    ),
    "callee": ("callee", "called_number", "callee_number", "b_number", "to", "被叫", "被叫号码"),
    "started_at": ("started_at", "start_time", "call_time", "start", "开始时间", "呼叫时间", "通话开始时间"),
    "ended_at": ("ended_at", "end_time", "end", "结束时间", "通话结束时间"),
    "duration_s": ("duration_s", "duration", "call_duration", "通话时长", "时长"),
    "answered": ("answered", "connected", "接通状态", "是否接通"),
    "account": ("account", "seat", "账号", "坐席"),
    "handset": ("handset", "imei", "device", "sim", "设备", "终端"),
    "holder": ("holder", "company", "单位"),
}
REQUIRED = ("caller", "callee", "started_at", "duration_s")

_TRUE = ("1", "true", "t", "yes", "y", "是", "接通", "已接通", "answered", "connected", "success", "成功")
_FALSE = ("0", "false", "f", "no", "n", "否", "未接通", "未接", "unanswered", "failed", "失败", "no answer")

_OFFSET_RE = r"(Z|z|[+-]\d{2}:?\d{2})$"


def canonical_columns(columns: list[str], source: str) -> dict[str, str]:
    """Map source column -> canonical field for the columns a CDR file has."""
    lookup: dict[str, str] = {}
    for canon, names in COLUMN_ALIASES.items():
        for name in names:
            lookup[name.lower()] = canon
    mapping: dict[str, str] = {}
    for col in columns:
        found = lookup.get(col.strip().lower())
        if found and found not in mapping.values():
            mapping[col] = found
    missing = [f for f in REQUIRED if f not in mapping.values()]
    if missing:
        raise QinglianError(
            f"通话记录缺少必需的列：{', '.join(missing)}",
            f"the call records lack required columns: {', '.join(missing)}",
            file=source,
            hint_zh="列名可用：" + "；".join(f"{k}: {'/'.join(v)}" for k, v in COLUMN_ALIASES.items()),
            hint_en="accepted names: " + "; ".join(f"{k}: {'/'.join(v)}" for k, v in COLUMN_ALIASES.items()),
        )
    return mapping


CLEAN_COLUMNS = ("holder", "account", "caller", "callee", "t", "dur", "answered", "handset")
_FLAGS = ("_neg", "_absurd", "_end_before", "_has_offset", "_foreign")


@dataclass(frozen=True)
class Prepared:
    """Clean calls plus the ibis expression that counts each kind of bad input.

    With number ids, `calls` has the clean columns plus `cid` and `eid`: integer ids of the
    caller and the callee in one numbering (so a number's calls made and received meet on
    one id); the measures group by these instead of the text of the numbers. A plain number
    (an optional + and up to 17 digits, nearly every real one) is its own id (`number_id`,
    read back by `number_text`); any other text gets a negative id from `names`, a small
    table (`number`, `_id`) that is None when every number is plain.
    """

    calls: ibis.Table
    problems: ibis.Table  # one row: rows_in, missing_start, ..., duplicate_rows
    names: ibis.Table | None = None


_PLAIN_NUMBER = r"^\+?[0-9]{1,17}$"
_VALUE_BITS = 57  # 10**17 < 2**57; then 5 bits of digit count and 1 bit for a leading +


def _packed(text: ibis.Value) -> ibis.Value:
    plus = ibis.cases((text.left(1) == "+", 1), else_=0).cast("int64")
    return (
        plus * (1 << 62)
        + (text.length().cast("int64") - plus) * (1 << _VALUE_BITS)
        + text.try_cast("int64")  # the engine's cast reads the optional +
    )


def number_id(text: ibis.Value) -> ibis.Value:
    """A plain number's text packed into one int64 (one-to-one: the +, the digit count with its
    leading zeros, and the digits' value); NULL for any other text."""
    return ibis.cases((text.re_search(_PLAIN_NUMBER), _packed(text)), else_=ibis.null("int64"))


def _raw_number_id(text: ibis.Value) -> ibis.Value:
    """`number_id` of the cleaned text (`_as_text`), cleaning only text that is not plain as it is."""
    return ibis.cases((text.re_search(_PLAIN_NUMBER), _packed(text)), else_=number_id(_as_text(text)))


def number_text(nid: ibis.Value) -> ibis.Value:
    """The text of a plain number from its `number_id`; NULL for negative (dictionary) ids."""
    digits = (nid % (1 << _VALUE_BITS)).cast("string").lpad((nid // (1 << _VALUE_BITS)) % 32, "0")
    sign = ibis.cases((nid >= (1 << 62), "+"), else_="")
    return ibis.cases((nid >= 0, sign + digits), else_=ibis.null("string"))


def _start_parts(col: ibis.Value) -> dict[str, ibis.Value]:
    """Stage 1 of reading a time column: its local epoch seconds before any offset, and the offset text."""
    dtype = col.type()
    if dtype.is_timestamp():
        secs = col.epoch_seconds().floor().cast("int64")
        if dtype.timezone is not None:  # an instant (UTC epoch): shown on the Shanghai clock below
            return {"secs": secs, "off": ibis.literal("Z")}
        return {"secs": secs, "off": ibis.literal("")}
    if dtype.is_integer() or dtype.is_floating():  # epoch seconds, UTC
        return {"secs": col.floor().cast("int64"), "off": ibis.literal("Z")}
    text = _trim(col.cast("string"))
    base = text.re_replace(_OFFSET_RE, "").replace("T", " ").replace("/", "-")
    return {
        "secs": base.try_cast(dt.Timestamp()).epoch_seconds().floor().cast("int64"),
        "off": text.re_extract(_OFFSET_RE, 1).coalesce(""),
    }


def _offset_seconds(off: ibis.Value) -> ibis.Value:
    """Stage 2: seconds east of UTC for an offset text ('' = none given: Asia/Shanghai)."""
    digits = off.replace(":", "")
    sign = ibis.cases((digits.left(1) == "-", -1), else_=1)
    hh = digits.substr(1, 2).try_cast("int64")
    mm = digits.substr(3, 2).try_cast("int64")
    return ibis.cases(
        (off.upper() == "Z", 0),
        (off.length() > 0, sign * (hh * 3600 + mm * 60)),
        else_=SHANGHAI_OFFSET_S,
    )


def _as_float(col: ibis.Value) -> ibis.Value:
    if col.type().is_numeric():
        return col.cast("float64")
    return _trim(col.cast("string")).try_cast("float64")


def _as_bool(col: ibis.Value) -> ibis.Value:
    if col.type().is_boolean():
        return col
    text = _trim(col.cast("string")).lower()
    return ibis.cases((text.isin(_TRUE), True), (text.isin(_FALSE), False), else_=ibis.null("boolean"))


def _engine_trim(value: str) -> str:
    """The engines' own one-argument TRIM (ibis's strip() is many times slower on DuckDB).

    Only its signature is used: the engine runs TRIM, Python never calls this."""
    raise NotImplementedError


# ibis ships no type information: its UDF maps ibis expressions to ibis expressions.
_trim: Callable[[ibis.Value], ibis.Value] = ibis.udf.scalar.builtin(_engine_trim, name="trim")


def _as_text(col: ibis.Value) -> ibis.Value:
    text = _trim(col.cast("string")) if col.type().is_string() else col.cast("string")
    return ibis.cases((text == "", ibis.null("string")), else_=text)


def prepare_calls(
    raw: ibis.Table,
    settings: MeasureSettings,
    rename: dict[str, str] | None = None,
    materialize: Callable[[ibis.Table], ibis.Table] | None = None,
    release: Callable[[ibis.Table], None] | None = None,
    number_ids: bool = True,
) -> Prepared:
    """Clean a call table whose columns are (or are renamed to) the canonical call fields.

    Built in stages (each a projection of the one before) so that no engine sees one parsing
    expression copied into many places. `materialize` (an engine's ``materialize``) computes
    the intermediate tables once; without it the result is a plain expression. `release`
    frees a materialized intermediate table once the clean calls are built. `number_ids` adds
    dense integer ids of the numbers (`cid`, `eid`), which make DuckDB's groupings cheaper; Spark
    numbers rows in one partition, so it is better off grouping on the numbers themselves.
    """
    if rename:
        raw = raw.rename({canon: src for src, canon in rename.items()})
    cols = set(raw.columns)

    def col_or_null(name: str, typ: str) -> ibis.Value:
        return raw[name] if name in cols else ibis.null(typ)

    start = _start_parts(raw["started_at"])
    end = (
        _start_parts(raw["ended_at"])
        if "ended_at" in cols
        else {"secs": ibis.null("int64"), "off": ibis.literal("")}
    )
    s1 = raw.select(
        holder=_as_text(col_or_null("holder", "string")),
        account=_as_text(col_or_null("account", "string")),
        # with ids, the numbers' text is trimmed below only where it is not a plain number
        caller=raw["caller"].cast("string") if number_ids else _as_text(raw["caller"]),
        callee=raw["callee"].cast("string") if number_ids else _as_text(raw["callee"]),
        answered=_as_bool(raw["answered"]) if "answered" in cols else ibis.null("boolean"),
        handset=_as_text(col_or_null("handset", "string")),
        dur_raw=_as_float(raw["duration_s"]),
        s_secs=start["secs"],
        s_off=start["off"],
        e_secs=end["secs"],
        e_off=end["off"],
    )
    s2 = s1.mutate(
        t=s1.s_secs - _offset_seconds(s1.s_off) + SHANGHAI_OFFSET_S,
        t_end=s1.e_secs - _offset_seconds(s1.e_off) + SHANGHAI_OFFSET_S,
        _has_offset=s1.s_off.length() > 0,
        _foreign=(s1.s_off.length() > 0) & (_offset_seconds(s1.s_off) != SHANGHAI_OFFSET_S),
    ).drop("s_secs", "e_secs", "e_off")
    s3 = s2.mutate(_end_before=s2.t_end.notnull() & s2.t.notnull() & (s2.t_end < s2.t))
    s4 = s3.mutate(
        dur0=s3.dur_raw.coalesce(
            ibis.cases(
                (s3.t_end.notnull() & ~s3._end_before, (s3.t_end - s3.t).cast("float64")),
                else_=ibis.null("float64"),
            )
        )
    )
    s5 = s4.mutate(
        _neg=s4.dur0.notnull() & (s4.dur0 < 0),
        _absurd=s4.dur0.notnull() & (s4.dur0 > settings.max_duration_s),
    )
    step = s5.mutate(
        dur=ibis.cases((s5._neg | s5._absurd | s5._end_before, ibis.null("float64")), else_=s5.dur0)
    )
    # One grouping does both jobs: rows that agree on every clean column are one call (a
    # duplicate export), and the per-group counts of raw rows and of each problem give the
    # bad-input counts without parsing the input twice.
    # (counts with a filter, not sums of 0/1: DuckDB sums integers into 128-bit states, which
    # nearly doubles the memory of this 10-million-group aggregation)
    keys = list(CLEAN_COLUMNS)
    if number_ids:  # group on the numbers' ids (and the text only of numbers that are not plain)
        step = step.mutate(cid=_raw_number_id(step.caller), eid=_raw_number_id(step.callee))
        step = step.mutate(
            caller=ibis.cases((step.cid.isnull(), _as_text(step.caller)), else_=ibis.null("string")),
            callee=ibis.cases((step.eid.isnull(), _as_text(step.callee)), else_=ibis.null("string")),
        )
        keys += ["cid", "eid"]
    grouped = step.group_by(keys).aggregate(_n=step.count(), **{f: step.count(where=step[f]) for f in _FLAGS})
    return _finish(grouped, materialize or (lambda expr: expr), release, number_ids)


def _finish(
    grouped: ibis.Table,
    materialize: Callable[[ibis.Table], ibis.Table],
    release: Callable[[ibis.Table], None] | None,
    number_ids: bool = True,
) -> Prepared:
    if number_ids:
        # stored in the order of the calling number and the time: every later grouping by number
        # then reads each number's calls together, and the window over (number, time) finds them
        # sorted; the measures gain more than the sort costs (docs/decisions.md)
        grouped = grouped.order_by(["cid", "t"])
    grouped = materialize(grouped)
    g = grouped
    if number_ids:  # with ids, `caller` and `callee` hold only the text of numbers that are not plain
        has_caller = g.cid.notnull() | g.caller.notnull()
        has_callee = g.eid.notnull() | g.callee.notnull()
    else:
        has_caller, has_callee = g.caller.notnull(), g.callee.notnull()
    usable = g.t.notnull() & has_caller

    def total(cond: ibis.Value | None = None) -> ibis.Value:
        n = g._n if cond is None else ibis.cases((cond, g._n), else_=0)
        return n.sum().coalesce(0).cast("int64")

    problems = g.aggregate(
        rows_in=total(),
        missing_start=total(g.t.isnull()),
        missing_caller=total(~has_caller),
        missing_callee=total(~has_callee),
        negative_duration=g._neg.sum().coalesce(0).cast("int64"),
        absurd_duration=g._absurd.sum().coalesce(0).cast("int64"),
        end_before_start=g._end_before.sum().coalesce(0).cast("int64"),
        with_utc_offset=g._has_offset.sum().coalesce(0).cast("int64"),
        foreign_offset=g._foreign.sum().coalesce(0).cast("int64"),
        duplicate_rows=total(usable) - ibis.cases((usable, 1), else_=0).sum().coalesce(0).cast("int64"),
    )
    if release is not None:  # the bad-input counts are one row: keep them apart from the grouped rows
        problems = materialize(problems)
    clean = g.filter(usable)
    if not number_ids:
        calls = materialize(clean.select(*CLEAN_COLUMNS))
        if release is not None:
            release(grouped)
        return Prepared(calls=calls, problems=problems)

    odd = clean.filter(clean.caller.notnull()).select(number=clean.caller).union(
        clean.filter(clean.callee.notnull()).select(number=clean.callee), distinct=True
    )
    if int(odd.count().to_pyarrow().as_py()) == 0:
        # every number is plain: the grouped rows are the calls, with the text read from the ids
        texts = {"caller": number_text(clean.cid), "callee": number_text(clean.eid)}
        return Prepared(calls=clean.mutate(**texts).select(*CLEAN_COLUMNS, "cid", "eid"), problems=problems)
    # some numbers are not plain (names, extensions, punctuation): they get negative ids
    names = materialize(odd.mutate(_id=-ibis.row_number().over(ibis.window(order_by=odd.number)) - 1))
    callers = names.select(_caller=names.number, _cid=names._id)
    callees = names.select(_callee=names.number, _eid=names._id)
    joined = clean.left_join(callers, clean.caller == callers._caller).left_join(
        callees, clean.callee == callees._callee
    )
    calls = materialize(
        joined.mutate(
            caller=joined.caller.coalesce(number_text(joined.cid)),
            callee=joined.callee.coalesce(number_text(joined.eid)),
            cid=joined.cid.coalesce(joined._cid),
            eid=joined.eid.coalesce(joined._eid),
        ).select(*CLEAN_COLUMNS, "cid", "eid")
    )
    if release is not None:
        release(grouped)
    return Prepared(calls=calls, problems=problems, names=names)


def release_table(engine: Engine, table: ibis.Table) -> None:
    """Free a table made by ``engine.materialize`` (a DuckDB temp table or a cached Spark view)."""
    name = table.get_name()
    if engine.name == "duckdb":
        engine.backend.con.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
    else:
        engine.spark.catalog.uncacheTable(name)
        engine.spark.catalog.dropTempView(name)
