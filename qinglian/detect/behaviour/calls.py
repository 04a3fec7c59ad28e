"""Call measures per key (calling number, account or holder), written once as ibis expressions.

Input is the clean call table of cdr.py. Every figure is defined here and nowhere else,
and runs unchanged on DuckDB and Spark:

- calls, active_days, calls_per_day, active_hours (distinct hours of the day with calls)
- distinct_callees, calls_per_callee (calls with a callee / distinct callees)
- answer_rate (the answered flag, or duration > 0 where no flag was exported; calls with
  neither are left out)
- short_share (calls under `short_call_s` among calls with a trusted duration)
- mean/median/max_duration_s (trusted durations only)
- max_concurrent (most connected calls in progress at one instant)
- gap_median_s, gap_cv (gaps between consecutive call starts within a session; a
  coefficient of variation near 0 is machine-regular dialling)
- outside_hours_share (calls before day_start_hour or from day_end_hour on)
- numbers (distinct calling numbers; > 1 per account is number rotation)
- handsets (distinct handsets, where exported; NULL otherwise)
- outgoing_share (calling number only: calls made / (made + received in the same data))
- calls_after_objection (calls to a consumer after that consumer complained or refused;
  NULL when no complaints or refusals were available to check against)
"""

from __future__ import annotations

from collections.abc import Callable

import ibis

from qinglian.detect.behaviour.cdr import number_text
from qinglian.detect.behaviour.config import MeasureSettings

MEASURE_COLUMNS: tuple[str, ...] = (
    "calls",
    "active_days",
    "calls_per_day",
    "active_hours",
    "distinct_callees",
    "calls_per_callee",
    "answer_rate",
    "short_share",
    "mean_duration_s",
    "median_duration_s",
    "max_duration_s",
    "max_concurrent",
    "gap_median_s",
    "gap_cv",
    "outside_hours_share",
    "numbers",
    "handsets",
    "outgoing_share",
    "calls_after_objection",
)

INT_MEASURES = frozenset(
    {
        "calls",
        "active_days",
        "active_hours",
        "distinct_callees",
        "max_concurrent",
        "numbers",
        "handsets",
        "calls_after_objection",
    }
)


def _share(cond: ibis.Value, where: ibis.Value | None = None) -> ibis.Value:
    """Share of rows where `cond` is true among those where it is known (and `where` holds).

    Filtered counts rather than the mean of a 0/1 column: DuckDB keeps 128-bit states for
    integer sums and means, which costs time and memory over a million keys.
    """
    known = cond.notnull() if where is None else cond.notnull() & where
    return _ratio(cond.count(where=known & cond), cond.count(where=known))


def _ratio(num: ibis.Value, den: ibis.Value) -> ibis.Value:
    return ibis.cases((den > 0, num.cast("float64") / den.cast("float64")), else_=ibis.null("float64"))


def _engine_bit_or(value: int) -> int:
    """The engines' own BIT_OR aggregate (ibis compiles its bit_or() for DuckDB only).

    Only its signature is used: the engine runs BIT_OR, Python never calls this."""
    raise NotImplementedError


# ibis ships no type information: its UDF maps ibis expressions to ibis expressions.
_bit_or: Callable[[ibis.Value], ibis.Value] = ibis.udf.agg.builtin(_engine_bit_or, name="bit_or")


def _popcount24(mask: ibis.Value) -> ibis.Value:
    """How many of the low 24 bits of an integer are set (the hours of the day in a mask)."""
    return sum((((mask >> h) & 1) for h in range(1, 24)), (mask & 1))


def _distinct_count(c: ibis.Table, k: str, col: str, name: str) -> ibis.Table:
    """Distinct non-null values of `col` per key, as a grouping of the distinct pairs: cheaper on
    DuckDB than COUNT(DISTINCT) beside other aggregates (which copies every input row first).
    Keys with no value are absent (the caller's left join leaves them NULL)."""
    pairs = c.filter(c[col].notnull()).select(k, col).distinct()
    return pairs.group_by(k).aggregate(**{name: pairs.count()})


def call_measures(
    calls: ibis.Table,
    key: str,
    settings: MeasureSettings,
    objections: ibis.Table | None = None,
    names: ibis.Table | None = None,
) -> ibis.Table:
    """One row per value of `key` ("caller", "account" or "holder") with every call measure.

    Two passes over the calls of each key: one grouping for the counts and durations, and
    one narrow ordered pass (start times only) for the gaps, the active days and whether any
    call started while the one before it was still connected. Concurrency is counted only
    for the keys where calls overlap at all (elsewhere it is 1, or 0 without a connected call).
    `names` is cdr.py's table of ids for numbers that are not plain (`Prepared.names`).
    """
    ids = "cid" in calls.columns and "eid" in calls.columns
    # group and order by the integer ids of cdr.py where the table has them (same figures)
    k = "cid" if ids and key == "caller" else key
    callee = "eid" if ids else "callee"
    c = calls.filter(calls[k].notnull())
    hour = ((c.t % 86400) // 3600).cast("int32")
    has_dur = c.dur.notnull()
    base = c.group_by(k).aggregate(
        calls=c.count(),
        _hours=_bit_or(ibis.literal(1, "int32") << hour),
        _calls_with_callee=c[callee].count(),
        answer_rate=_share(c.answered.coalesce(c.dur > 0)),
        short_share=_share(c.dur < settings.short_call_s, where=has_dur),
        mean_duration_s=c.dur.mean(),
        median_duration_s=c.dur.median(),
        max_duration_s=c.dur.max(),
        outside_hours_share=_share((hour < settings.day_start_hour) | (hour >= settings.day_end_hour)),
        _connected=c.dur.count(where=c.dur > 0),
    )

    narrow = c.select(
        k, "t", _end=ibis.cases((c.dur > 0, c.t + c.dur.ceil().cast("int64")), else_=ibis.null("int64"))
    )
    w = ibis.window(group_by=narrow[k], order_by=narrow.t)
    prev_t = narrow.t.lag().over(w)
    ordered = narrow.select(
        k,
        _gap=(narrow.t - prev_t).cast("float64"),
        _new_day=prev_t.isnull() | ((narrow.t // 86400) != (prev_t // 86400)),
        # a start while the call before it was still connected: if no two consecutive calls
        # overlap, no two calls do (the earlier of an overlapping pair overlaps its successor)
        _overlap=(narrow._end.lag().over(w) > narrow.t).coalesce(False),
    )
    # gaps within a calling session (a CASE, not a filter: Spark's percentile needs it so)
    gap = ibis.cases((ordered._gap <= settings.session_gap_s, ordered._gap), else_=ibis.null("float64"))
    timing = ordered.group_by(k).aggregate(
        active_days=ordered._new_day.count(where=ordered._new_day),
        gap_median_s=gap.median(),
        _gap_mean=gap.mean(),
        _gap_sd=gap.std(how="pop"),
        _overlaps=ordered._overlap.count(where=ordered._overlap),
    )

    # Concurrency where calls overlap. With ranks counted from the latest event (so that
    # equal times tie, whatever order an engine puts them in): at a call's start, the calls in
    # progress are the starts up to then minus the ends up to then (an end in the same second
    # as a start comes first) = rank among events - 2 * rank among starts.
    busy = timing.filter(timing._overlaps > 0).select(k)
    conn = c.filter(c.dur > 0).semi_join(busy, k)
    starts = conn.select(
        k,
        ev=conn.t * 2 + 1,
        a=ibis.rank().over(ibis.window(group_by=conn[k], order_by=ibis.desc(conn.t))),
    )
    ends = conn.select(k, ev=(conn.t + conn.dur.ceil().cast("int64")) * 2, a=ibis.null("int64"))
    events = starts.union(ends, distinct=False)
    ranked = events.mutate(r=ibis.rank().over(ibis.window(group_by=events[k], order_by=ibis.desc(events.ev))))
    ranked = ranked.filter(ranked.a.notnull())
    concurrency = ranked.group_by(k).aggregate(_max_live=(ranked.r - 2 * ranked.a).max())

    out = base.inner_join(timing, k)
    out = out.left_join(concurrency, k).drop(f"{k}_right")
    distinct = {"distinct_callees": callee, "handsets": "handset"}
    if key != "caller":
        distinct["numbers"] = "cid" if ids else "caller"
    for name, col in distinct.items():
        out = out.left_join(_distinct_count(c, k, col, name), k).drop(f"{k}_right")
    out = out.mutate(
        active_hours=_popcount24(out._hours).cast("int64"),
        calls_per_day=_ratio(out.calls, out.active_days),
        calls_per_callee=_ratio(out._calls_with_callee, out.distinct_callees),
        distinct_callees=out.distinct_callees.coalesce(0),
        numbers=ibis.literal(1, "int64") if key == "caller" else out.numbers,
        gap_cv=_ratio(out._gap_sd, out._gap_mean),
        max_concurrent=out._max_live.coalesce(ibis.cases((out._connected > 0, 1), else_=0)).cast("int64"),
    )

    if key == "caller":
        rcv = calls.filter(calls[callee].notnull())
        received = rcv.group_by(callee).aggregate(_received=rcv.count())
        out = out.left_join(received, out[k] == received[callee]).drop(callee)
        out = out.mutate(outgoing_share=_ratio(out.calls, out.calls + out._received.coalesce(0)))
    else:
        out = out.mutate(outgoing_share=ibis.null("float64"))

    if objections is not None:
        first = objections.group_by("consumer").aggregate(_objected_at=objections.t.min())
        after = c.inner_join(first, c.callee == first.consumer)
        after = after.filter(after.t > after._objected_at)
        counted = after.group_by(k).aggregate(_after=after.count())
        out = out.left_join(counted, k).drop(f"{k}_right")
        out = out.mutate(calls_after_objection=out._after.coalesce(0))
    else:
        out = out.mutate(calls_after_objection=ibis.null("int64"))
    if k != key:  # the number's text from its id (read back, or looked up for one that is not plain)
        out = out.mutate(**{key: number_text(out[k])})
        if names is not None:
            out = out.left_join(names, out[k] == names._id)
            out = out.mutate(**{key: out[key].coalesce(out.number)})
    return out.select(key, *MEASURE_COLUMNS).order_by(key)
