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

import ibis

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
    num = cond.cast("int64")
    if where is not None:
        num = ibis.cases((where, num), else_=ibis.null("int64"))
    return num.mean()


def _ratio(num: ibis.Value, den: ibis.Value) -> ibis.Value:
    return ibis.cases((den > 0, num.cast("float64") / den.cast("float64")), else_=ibis.null("float64"))


def call_measures(
    calls: ibis.Table,
    key: str,
    settings: MeasureSettings,
    objections: ibis.Table | None = None,
) -> ibis.Table:
    """One row per value of `key` ("caller", "account" or "holder") with every call measure."""
    c = calls.filter(calls[key].notnull())
    hour = (c.t % 86400) // 3600
    has_dur = c.dur.notnull()
    base = c.group_by(key).aggregate(
        calls=c.count(),
        active_days=(c.t // 86400).nunique(),
        active_hours=hour.nunique(),
        distinct_callees=c.callee.nunique(),
        _calls_with_callee=c.callee.count(),
        answer_rate=_share(c.answered.coalesce(c.dur > 0)),
        short_share=_share(c.dur < settings.short_call_s, where=has_dur),
        mean_duration_s=c.dur.mean(),
        median_duration_s=c.dur.median(),
        max_duration_s=c.dur.max(),
        outside_hours_share=_share((hour < settings.day_start_hour) | (hour >= settings.day_end_hour)),
        numbers=c.caller.nunique(),
        _handsets=c.handset.nunique(),
        _handset_rows=c.handset.count(),
    )
    base = base.mutate(
        calls_per_day=_ratio(base.calls, base.active_days),
        calls_per_callee=_ratio(base._calls_with_callee, base.distinct_callees),
        handsets=ibis.cases((base._handset_rows > 0, base._handsets), else_=ibis.null("int64")),
    )

    # Gaps between consecutive starts, within a calling session.
    w = ibis.window(group_by=c[key], order_by=c.t)
    gaps = c.select(key, gap=(c.t - c.t.lag().over(w)).cast("float64"))
    gaps = gaps.filter(gaps.gap.notnull() & (gaps.gap <= settings.session_gap_s))
    gap_stats = gaps.group_by(key).aggregate(
        gap_median_s=gaps.gap.median(), _gap_mean=gaps.gap.mean(), _gap_sd=gaps.gap.std(how="pop")
    )
    gap_stats = gap_stats.select(key, "gap_median_s", gap_cv=_ratio(gap_stats._gap_sd, gap_stats._gap_mean))

    # Concurrency, with row numbers only (much cheaper than a running sum): sort the starts
    # and ends of connected calls (whole seconds, end rounded up, ends first at a tie); at a
    # start that is the a-th start and the r-th event, 2a - r calls are in progress.
    connected = c.filter(c.dur > 0)
    sw = ibis.window(group_by=connected[key], order_by=connected.t)
    starts = connected.select(key, at=connected.t * 2 + 1, a=ibis.row_number().over(sw))
    ends = connected.select(
        key, at=(connected.t + connected.dur.ceil().cast("int64")) * 2, a=ibis.null("int64")
    )
    events = starts.union(ends, distinct=False)
    ew = ibis.window(group_by=events[key], order_by=events.at)
    ranked = events.mutate(r=ibis.row_number().over(ew))
    ranked = ranked.filter(ranked.a.notnull())
    concurrency = ranked.group_by(key).aggregate(max_concurrent=(2 * ranked.a - ranked.r).max() + 1)

    out = base.left_join(gap_stats, key).drop(f"{key}_right")
    out = out.left_join(concurrency, key).drop(f"{key}_right")
    out = out.mutate(max_concurrent=out.max_concurrent.coalesce(0))

    if key == "caller":
        rcv = calls.filter(calls.callee.notnull())
        received = rcv.group_by("callee").aggregate(_received=rcv.count())
        out = out.left_join(received, out.caller == received.callee).drop("callee")
        out = out.mutate(outgoing_share=_ratio(out.calls, out.calls + out._received.coalesce(0)))
    else:
        out = out.mutate(outgoing_share=ibis.null("float64"))

    if objections is not None:
        first = objections.group_by("consumer").aggregate(_objected_at=objections.t.min())
        after = c.inner_join(first, c.callee == first.consumer)
        after = after.filter(after.t > after._objected_at)
        counted = after.group_by(key).aggregate(_after=after.count())
        out = out.left_join(counted, key).drop(f"{key}_right")
        out = out.mutate(calls_after_objection=out._after.coalesce(0))
    else:
        out = out.mutate(calls_after_objection=ibis.null("int64"))
    return out.select(key, *MEASURE_COLUMNS).order_by(key)
