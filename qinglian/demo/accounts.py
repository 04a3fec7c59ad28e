"""The robocall vendor's account table: ~1,200 accounts across provinces, among them the
accounts of the local intermediaries (named in the forms customers give, not always the
registered name) and of local companies that were not inspected."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.demo.exports import excel_serial, to_datetime, write_xlsx
from qinglian.demo.ids import phone_strings
from qinglian.demo.world import CITY, DISTRICTS, PROVINCE, VENDOR_NAME, VENDOR_SITE, Holder

ACCOUNTS_FILE = "示例智呼科技_客户账号明细.xlsx"
N_UNINSPECTED_LOCAL = 20
_OTHER_PROVINCES = (
    "浙江省",
    "江苏省",
    "广东省",
    "福建省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "四川省",
    "安徽省",
    "江西省",
    "河北省",
    "广西壮族自治区",
    "云南省",
    "贵州省",
    "陕西省",
    "重庆市",
    "上海市",
    "天津市",
    "辽宁省",
)
_NAME_FORMS = ("full", "llc", "bracket", "short", "nocity")


def _name_variant(h: Holder, form: str) -> str:
    """How a customer calls itself when opening an account — not always the registered name."""
    if form == "llc":
        return h.name.replace("有限公司", "有限责任公司")
    if form == "bracket":
        return f"{h.name[:3]}（{h.district}）{h.name[len(CITY) + len(h.district) :]}"
    if form == "short":
        return h.short
    if form == "nocity":
        return h.name[len(CITY) :]
    return h.name


def assign_accounts(ctx: Ctx) -> None:
    """Dialer accounts for the robocalling holders (1–2 each) and compliant dialer users."""
    k = 0
    for h in ctx.world.holders:
        count = 0
        if "robocall" in h.flags:
            count = 2 if ctx.rng.random() < 0.35 else 1
        elif "uses_dialer" in h.flags:
            count = 1
        for _ in range(count):
            k += 1
            h.accounts.append(f"zh{310000 + k * 37:06d}")


def write_accounts(ctx: Ctx) -> None:
    rng, fake = ctx.rng, ctx.fake
    rows: list[dict[str, Any]] = []
    seats_of: dict[str, int] = {}
    holder_of: dict[str, str] = {}
    boss_phone = dict(
        zip(
            [h.name for h in ctx.world.holders],
            phone_strings(ctx.phones.take(len(ctx.world.holders))),
            strict=True,
        )
    )
    for h in ctx.world.holders:
        for acc in h.accounts:
            seats = int(rng.integers(8, 31)) if h.violating else 2
            seats_of[acc] = seats
            holder_of[acc] = h.name
            opened = np.datetime64("2024-09-01") + np.timedelta64(int(rng.integers(0, 280 * 86400)), "s")
            rows.append(
                {
                    "账号": acc,
                    "客户名称": _name_variant(h, ctx.pick(_NAME_FORMS)),
                    "开通时间": opened,
                    "省份": PROVINCE,
                    "城市": CITY,
                    "坐席数": seats,
                    "联系人": h.boss,
                    "联系电话": boss_phone[h.name],
                    "状态": "正常",
                }
            )
    local_extra: list[str] = []
    for i in range(N_UNINSPECTED_LOCAL):
        name = f"{CITY}{ctx.pick(DISTRICTS)}{fake.company_prefix()}信息咨询有限公司"
        local_extra.append(name)
        opened = np.datetime64("2023-03-01") + np.timedelta64(int(rng.integers(0, 600 * 86400)), "s")
        rows.append(
            {
                "账号": f"zh{200000 + i * 53:06d}",
                "客户名称": name,
                "开通时间": opened,
                "省份": PROVINCE,
                "城市": CITY,
                "坐席数": int(rng.integers(1, 4)),
                "联系人": fake.name(),
                "联系电话": phone_strings(ctx.phones.take(1))[0],
                "状态": ctx.pick(("已停用", "欠费停机", "正常")),
            }
        )
    total = max(ctx.n(1200), len(rows) + 20)
    others = total - len(rows)
    prov = rng.choice(np.array(_OTHER_PROVINCES), size=others)
    phones = phone_strings(ctx.phones.take(others))
    for i in range(others):
        opened = np.datetime64("2023-01-01") + np.timedelta64(int(rng.integers(0, 900 * 86400)), "s")
        rows.append(
            {
                "账号": f"zh{400000 + i * 11:06d}",
                "客户名称": f"{fake.company_prefix()}{ctx.pick(('金融服务', '信息咨询', '网络科技', '商务咨询'))}有限公司",
                "开通时间": opened,
                "省份": str(prov[i]),
                "城市": "",
                "坐席数": int(rng.integers(1, 60)),
                "联系人": fake.name(),
                "联系电话": phones[i],
                "状态": ctx.pick(("正常", "正常", "已停用")),
            }
        )
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    opened_cells: list[datetime | float] = []
    for r in rows:
        ts = r["开通时间"]
        opened_cells.append(excel_serial(ts) if rng.random() < 0.1 else to_datetime(ts))
    cols = {key: [r[key] for r in rows] for key in rows[0]}
    cols["开通时间"] = opened_cells
    written = write_xlsx(
        ctx.files / ACCOUNTS_FILE,
        cols,
        title=f"{VENDOR_NAME} 客户账号明细（演示数据·合成）",
        subtitle=f"导出时间：2025-07-22 09:30  共{len(rows)}个账号",
        sheet="账号明细",
    )
    ctx.record(ACCOUNTS_FILE, VENDOR_NAME, VENDOR_SITE, "accounts", written)
    ctx.truth["vendor"] = {
        "name": VENDOR_NAME,
        "site": VENDOR_SITE,
        "accounts_file": ACCOUNTS_FILE,
        "accounts": len(rows),
        "local_accounts": sum(1 for r in rows if r["省份"] == PROVINCE),
        "accounts_by_province": dict(sorted(Counter(str(r["省份"]) for r in rows).items())),
    }
    ctx.truth["account_holders"] = holder_of
    ctx.truth["account_seats"] = seats_of
    ctx.truth["uninspected_local_customers"] = local_extra
