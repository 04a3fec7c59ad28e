"""Chat exports from the intermediaries' phones: with the SMS platform, the dialer vendor,
bank staff (hints of 好处费/回扣/返点) and within the office."""

from __future__ import annotations

from typing import Any

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.demo.exports import Columns, Written, iso_times, split_members, write_csv, write_xlsx, write_zip
from qinglian.demo.texts import CHAT_BANK, CHAT_COMPLIANT, CHAT_INTERNAL, CHAT_PLATFORM, CHAT_VENDOR
from qinglian.demo.world import SMS_PLATFORM_NAME, VENDOR_NAME, Holder

_REPLIES = ("好的", "收到", "行", "明白", "没问题", "👌", "[OK]")


def _session(
    ctx: Ctx, chat: str, me: str, other: str, lines: tuple[str, ...], n: int, fill: dict[str, Any]
) -> list[tuple[str, str, str, str]]:
    rows = []
    for k in range(n):
        text = lines[k % len(lines)].format(**fill)
        rows.append((chat, me, other, text))
        if ctx.rng.random() < 0.6:
            rows.append((chat, other, me, ctx.pick(_REPLIES)))
    return rows


def write_chats(ctx: Ctx) -> None:
    staff_holders: dict[int, list[str]] = {}
    for k, h in enumerate(ctx.world.holders):
        rows = _holder_rows(ctx, h, staff_holders)
        if not rows:
            continue
        ts = np.sort(
            np.datetime64("2025-07-01T08:00:00")
            + ctx.rng.integers(0, 20 * 86400, len(rows)).astype("timedelta64[s]")
        )
        cols: Columns = {
            "会话": [r[0] for r in rows],
            "发送人": [r[1] for r in rows],
            "接收人": [r[2] for r in rows],
            "时间": iso_times(ts),
            "内容": [r[3] for r in rows],
        }
        _write(ctx, h, k, cols)
    ctx.truth["bank_staff"] = [
        {"name": s.name, "bank": s.bank, "title": s.title, "holders": sorted(staff_holders.get(i, []))}
        for i, s in enumerate(ctx.world.bank_staff)
        if staff_holders.get(i)
    ]


def _holder_rows(ctx: Ctx, h: Holder, staff_holders: dict[int, list[str]]) -> list[tuple[str, str, str, str]]:
    rng = ctx.rng
    me = f"{h.staff[0]}（{h.short}）"
    rows: list[tuple[str, str, str, str]] = []
    rows += _session(
        ctx,
        f"{h.short}业务群",
        me,
        h.staff[1],
        CHAT_INTERNAL if h.violating else CHAT_COMPLIANT,
        6,
        {"n": int(rng.integers(5, 60)), "pct": int(rng.integers(3, 11))},
    )
    if h.violating and "robocall" in h.flags:
        rows += _session(
            ctx,
            f"{VENDOR_NAME}-技术支持",
            me,
            ctx.world.vendor_contact,
            CHAT_VENDOR,
            4,
            {"seats": int(rng.integers(5, 20))},
        )
    if h.violating and "mass_sms" in h.flags:
        rows += _session(
            ctx, f"{SMS_PLATFORM_NAME}-客服", me, ctx.world.platform_contact, CHAT_PLATFORM, 5, {}
        )
    if h.violating and "bribery" in h.flags:
        i = int(rng.integers(len(ctx.world.bank_staff)))
        h.bank_staff.append(i)
        staff_holders.setdefault(i, []).append(h.name)
        s = ctx.world.bank_staff[i]
        rows += _session(ctx, f"{s.name}（{s.bank}）", h.boss, s.name, CHAT_BANK, 5, {"bank": s.bank})
        ctx.label(h.name, ("bribery",))
    return rows


def _write(ctx: Ctx, h: Holder, k: int, cols: Columns) -> None:
    name = f"{h.short}_微信聊天记录"
    shape = ("utf-8", "xlsx", "zip", "gbk")[k % 4]
    written: Written
    if shape == "zip":
        chats = np.array(cols["会话"])
        order = {c: j + 1 for j, c in enumerate(dict.fromkeys(chats.tolist()))}
        members = split_members(cols, [f"会话{order[c]}" for c in chats.tolist()])
        write_zip(ctx.files / f"{name}.zip", members)
        ctx.record(
            f"{name}.zip", h.name, h.site, "chats", Written(len(chats), 2, None, "zip"), tuple(members)
        )
        return
    if shape == "xlsx":
        written = write_xlsx(
            ctx.files / f"{name}.xlsx",
            cols,
            title=f"{h.short} 手机取证-聊天记录（演示数据·合成）",
            subtitle="来源：员工手机 微信",
        )
        ctx.record(f"{name}.xlsx", h.name, h.site, "chats", written)
        return
    written = write_csv(ctx.files / f"{name}.csv", cols, encoding=shape)
    ctx.record(f"{name}.csv", h.name, h.site, "chats", written)
