"""SMS measures per sending account and per signature, as ibis expressions.

- sends, distinct_recipients, active_days, sends_per_day
- peak_day and peak_day_sends (the day with most sends; the earliest such day on a tie)
- sends_after_optout: sends to a recipient after that recipient replied 退订 (or an
  equivalent: TD, T, N, 取消, 拒收, 不要再发) anywhere in the case's SMS logs, or complained
- no_optout_share: share of sends whose text carries no opt-out instruction (退订, 回T,
  拒收 …), among sends with text (广告法 Art. 43 requires a way to refuse)

Rows whose whole text is an opt-out keyword are the recipients' replies: they are not
counted as sends.
"""

from __future__ import annotations

import ibis

SMS_COLUMNS: tuple[str, ...] = (
    "sends",
    "distinct_recipients",
    "active_days",
    "sends_per_day",
    "peak_day",
    "peak_day_sends",
    "sends_after_optout",
    "no_optout_share",
)

OPTOUT_REPLY_RE = r"^\s*(退订|TD|T|N|取消|拒收|不要再发|STOP|UNSUBSCRIBE)\s*[。.!！]?\s*$"
OPTOUT_NOTICE_RE = r"(退订|回\s*T|回\s*TD|拒收|TD\s*退|回复\s*T|回N|unsubscribe)"


def prepare_sms(sms: ibis.Table) -> tuple[ibis.Table, ibis.Table]:
    """(sends, opt-out replies) with local epoch seconds `t` (see cdr.py); a send's `notice` says
    whether its text carries an opt-out instruction."""
    t = sms.sent_at.epoch_seconds().floor().cast("int64")
    rows = sms.select(
        account=sms.account,
        signature=sms.signature,
        recipient=sms.recipient,
        t=t,
        content=sms.content.cast("string"),
    )
    rows = rows.filter(rows.t.notnull())
    # Campaign texts repeat: each distinct text is matched against the patterns once.
    texts = rows.select("content").distinct()
    texts = texts.filter(texts.content.notnull())
    texts = texts.select(
        "content",
        is_reply=texts.content.upper().re_search(OPTOUT_REPLY_RE),
        notice=texts.content.re_search(OPTOUT_NOTICE_RE),
    )
    rows = rows.left_join(texts, "content").drop("content_right")
    rows = rows.mutate(is_reply=rows.is_reply.coalesce(False))
    sends = rows.filter(~rows.is_reply).drop("is_reply").distinct()
    replies = rows.filter(rows.is_reply).select(consumer=rows.recipient, t=rows.t)
    return sends, replies


def sms_measures(sends: ibis.Table, key: str, objections: ibis.Table) -> ibis.Table:
    """One row per value of `key` ("account" or "signature")."""
    s = sends.filter(sends[key].notnull())
    day = s.t // 86400
    notice = s.notice
    base = s.group_by(key).aggregate(
        sends=s.count(),
        distinct_recipients=s.recipient.nunique(),
        active_days=day.nunique(),
        no_optout_share=ibis.cases(
            (s.content.notnull(), (~notice).cast("int64")), else_=ibis.null("int64")
        ).mean(),
    )
    base = base.mutate(sends_per_day=base.sends.cast("float64") / base.active_days.cast("float64"))

    daily = s.select(key, day=day).group_by([key, "day"]).aggregate(n=ibis._.count())
    w = ibis.window(group_by=daily[key], order_by=[ibis.desc(daily.n), daily.day])
    ranked = daily.mutate(rk=ibis.row_number().over(w))
    peak = ranked.filter(ranked.rk == 0).select(key, peak_day_no=ranked.day, peak_day_sends=ranked.n)

    first = objections.group_by("consumer").aggregate(_at=objections.t.min())
    after = s.inner_join(first, s.recipient == first.consumer)
    after = after.filter(after.t > after._at)
    counted = after.group_by(key).aggregate(_after=after.count())

    out = base.left_join(peak, key).drop(f"{key}_right")
    out = out.left_join(counted, key).drop(f"{key}_right")
    out = out.mutate(
        peak_day=out.peak_day_no,  # days since 1970-01-01 (local); made a date by the caller
        sends_after_optout=out._after.coalesce(0),
    )
    return out.select(key, *SMS_COLUMNS).order_by(key)
