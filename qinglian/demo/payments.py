"""Payment records: to the dialer vendor and the SMS platform, service fees of 1%–10% from
consumers, salaries, and — from some violating holders — payments to bank staff."""

from __future__ import annotations

from typing import Any

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.demo.exports import Columns, excel_serial, slash_times, to_datetime, write_csv, write_xlsx
from qinglian.demo.world import SMS_PLATFORM_NAME, VENDOR_NAME, Holder

BRIBE_MEMOS = ("好处费", "返点", "辛苦费", "回扣6月")


def write_payments(ctx: Ctx) -> None:
    bribes: list[dict[str, Any]] = []
    for k, h in enumerate(ctx.world.holders):
        rows = _rows(ctx, h)
        name_base = f"{h.short}_银行流水"
        ts = np.array([r[4] for r in rows], dtype="datetime64[s]")
        order = np.argsort(ts, kind="stable")
        rows = [rows[i] for i in order]
        if k % 2 == 0:
            cells: list[Any] = [
                excel_serial(r[4]) if i % 5 == 0 else to_datetime(r[4]) for i, r in enumerate(rows)
            ]
            cols: Columns = {
                "付款方": [r[0] for r in rows],
                "收款方": [r[1] for r in rows],
                "金额": [r[2] for r in rows],
                "交易时间": cells,
                "备注": [r[3] for r in rows],
            }
            name = f"{name_base}.xlsx"
            written = write_xlsx(
                ctx.files / name,
                cols,
                title=f"{h.short} 账户交易明细（演示数据·合成）",
                subtitle="币种：人民币  单位：元",
            )
            first = written.first_row_no
        else:
            cols = {
                "付款人": [r[0] for r in rows],
                "收款人": [r[1] for r in rows],
                "交易金额": [r[2] for r in rows],
                "时间": slash_times(np.array([r[4] for r in rows], dtype="datetime64[s]")),
                "用途": [r[3] for r in rows],
            }
            name = f"{name_base}.csv"
            written = write_csv(ctx.files / name, cols, encoding="gbk" if k % 4 == 1 else "utf-8")
            first = 2
        ctx.record(name, h.name, h.site, "payments", written)
        for i, r in enumerate(rows):
            if r[3] in BRIBE_MEMOS:
                bribes.append(
                    {
                        "file": name,
                        "row_no": first + i,
                        "payer": r[0],
                        "payee": r[1],
                        "amount": r[2],
                        "memo": r[3],
                        "holder": h.name,
                    }
                )
    ctx.truth["bribe_payments"] = bribes


def _when(ctx: Ctx) -> np.datetime64:
    return np.datetime64("2025-05-01T09:00:00") + np.timedelta64(int(ctx.rng.integers(0, 80 * 86400)), "s")


def _rows(ctx: Ctx, h: Holder) -> list[tuple[str, str, float, str, np.datetime64]]:
    rng = ctx.rng
    rows: list[tuple[str, str, float, str, np.datetime64]] = []
    for acc in h.accounts:
        seats = ctx.truth["account_seats"][acc]
        rows.append((h.name, VENDOR_NAME, float(seats * 1200), f"AI外呼系统坐席费 {acc}", _when(ctx)))
    if h.sms_accounts:
        for _ in range(int(rng.integers(1, 4))):
            rows.append(
                (h.name, SMS_PLATFORM_NAME, float(rng.integers(5, 60) * 1000), "短信充值", _when(ctx))
            )
    lst = next((x for x in ctx.lists if x["holder"] == h.name), None)
    if lst is not None:
        for c in rng.choice(lst["idx"], size=int(rng.integers(4, 12)), replace=False).tolist():
            loan = float(rng.choice([30000, 50000, 100000, 200000]))
            pct = float(rng.integers(1, 11)) if h.violating else 2.0
            rows.append(
                (str(ctx.pool.name[c]), h.name, round(loan * pct / 100, 2), f"服务费{pct:g}%", _when(ctx))
            )
    for s in h.staff[1:]:
        rows.append((h.name, s, float(rng.integers(4, 9) * 1000), "工资", _when(ctx)))
    rows.append((h.name, "演示市某物业管理有限公司", 8000.0, "房租", _when(ctx)))
    for i in h.bank_staff:
        staff = ctx.world.bank_staff[i]
        for j in range(int(rng.integers(2, 5))):
            rows.append(
                (
                    h.boss,
                    staff.name,
                    float(rng.integers(2, 20) * 500),
                    BRIBE_MEMOS[j % len(BRIBE_MEMOS)],
                    _when(ctx),
                )
            )
    return rows
