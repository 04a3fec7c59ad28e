"""Intent grading: how many consumers the dialer profiled per grade, and what lies behind each grade.

Per (holder, account, grade): consumers (distinct callees), calls, mean and median
duration, mean and median consumer turns (客户说话次数). Only grades the dialer exported
are reported; where the calls carry no grade, the caller records a note instead.
"""

from __future__ import annotations

import ibis

INTENT_COLUMNS: tuple[str, ...] = (
    "holder",
    "account",
    "grade",
    "consumers",
    "calls",
    "mean_duration_s",
    "median_duration_s",
    "mean_turns",
    "median_turns",
)


def intent_grades(calls: ibis.Table, max_duration_s: float) -> ibis.Table:
    """Aggregate the case's raw `calls` rows that carry an intent grade (bad durations left out)."""
    grade = calls.intent_grade.cast("string").strip()
    g = calls.mutate(grade=grade).filter(grade.notnull() & (grade != ""))
    ok = (g.duration_s >= 0) & (g.duration_s <= max_duration_s)
    g = g.mutate(duration_s=ibis.cases((ok, g.duration_s), else_=ibis.null("float64")))
    turns = ibis.cases((g.consumer_turns >= 0, g.consumer_turns.cast("float64")), else_=ibis.null("float64"))
    return (
        g.group_by(["holder", "account", "grade"])
        .aggregate(
            consumers=g.callee.nunique(),
            calls=g.count(),
            mean_duration_s=g.duration_s.mean(),
            median_duration_s=g.duration_s.median(),
            mean_turns=turns.mean(),
            median_turns=turns.median(),
        )
        .select(*INTENT_COLUMNS)
        .order_by(["holder", "account", "grade"])
    )
