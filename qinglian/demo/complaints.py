"""Consumer complaints received by the 12315 centre: the numbers that called, what was said,
and — when the consumer knew — which company it was."""

from __future__ import annotations

from typing import Any

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.demo.exports import Columns, cn_times, write_csv
from qinglian.demo.ids import phone_strings
from qinglian.demo.texts import BANK_GUISES, COMPLAINT_CALL, COMPLAINT_SMS
from qinglian.demo.world import COMPLAINT_CENTRE

COMPLAINTS_FILE = "12315投诉工单导出.csv"


def write_complaints(ctx: Ctx) -> None:
    rng = ctx.rng
    rows: list[tuple[np.datetime64, str, str, str, str]] = []
    per_holder: dict[str, int] = {}
    robo = [h for h in ctx.world.holders if h.name in ctx.answered]
    weights = np.array([max(1, ctx.answered[h.name]["idx"].size) for h in robo], dtype=float)
    total = max(ctx.n(300), 2 * len(robo))
    counts = 1 + rng.multinomial(total - len(robo), weights / weights.sum())
    for h, c in zip(robo, counts.tolist(), strict=True):
        calls = ctx.answered[h.name]
        if calls["idx"].size == 0:
            continue
        pick = rng.choice(calls["idx"].size, size=min(c, calls["idx"].size), replace=False)
        for j in pick.tolist():
            when = calls["ts"][j] + np.timedelta64(int(rng.integers(600, 3 * 86400)), "s")
            text = ctx.pick(COMPLAINT_CALL).format(guise=ctx.pick(BANK_GUISES))
            respondent = ctx.pick((h.short, "", "不清楚", h.short, "未知"))
            rows.append(
                (when, str(ctx.pool.phone[calls["idx"][j]]), str(calls["caller"][j]), text, respondent)
            )
            per_holder[h.name] = per_holder.get(h.name, 0) + 1
    for h in ctx.world.violating:
        if not h.sms_accounts or rng.random() < 0.5:
            continue
        lst = next(x for x in ctx.lists if x["holder"] == h.name)
        who = str(ctx.pool.phone[int(rng.choice(lst["idx"]))])
        when = np.datetime64("2025-07-12T10:00:00") + np.timedelta64(int(rng.integers(0, 8 * 86400)), "s")
        rows.append((when, who, "", ctx.pick(COMPLAINT_SMS).format(sig=h.signature), h.signature))
        per_holder[h.name] = per_holder.get(h.name, 0) + 1
    # noise: two complaints about a compliant holder's fees, from its own customers
    for h in ctx.world.compliant[:2]:
        lst = next(x for x in ctx.lists if x["holder"] == h.name)
        rows.append(
            (
                np.datetime64("2025-07-08T15:00:00"),
                str(ctx.pool.phone[int(lst["idx"][0])]),
                h.callers[0] if h.callers else phone_strings(ctx.phones.take(1))[0],
                "对服务费收取标准有异议，要求解释合同条款",
                h.short,
            )
        )
    order = np.argsort(np.array([r[0] for r in rows], dtype="datetime64[s]"), kind="stable")
    rows = [rows[i] for i in order]
    ts = np.array([r[0] for r in rows], dtype="datetime64[s]")
    cols: Columns = {
        "投诉编号": [f"TS2025{70000 + i:06d}" for i in range(len(rows))],
        "受理时间": cn_times(ts),
        "投诉人电话": [r[1] for r in rows],
        "来电号码": [r[2] for r in rows],
        "投诉内容": [r[3] for r in rows],
        "被投诉方": [r[4] for r in rows],
    }
    written = write_csv(ctx.files / COMPLAINTS_FILE, cols, encoding="gbk")
    ctx.record(COMPLAINTS_FILE, COMPLAINT_CENTRE, None, "complaints", written)
    summary: dict[str, Any] = {"file": COMPLAINTS_FILE, "holder": COMPLAINT_CENTRE, "per_holder": per_holder}
    ctx.truth["complaints"] = summary
