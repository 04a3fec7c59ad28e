"""Customer lists seized from the intermediaries, drawn from three leak sources whose
consumers overlap, plus the consented lists of the compliant holders.

Lists drawn from one source share many consumers; lists from different sources share few.
The enterprise-information source looks scraped: companies with legal representatives and
their registered phones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.demo.exports import Columns, Written, write_csv, write_xlsx
from qinglian.demo.people import Pool
from qinglian.demo.world import CITY, Holder


@dataclass(frozen=True)
class LeakSource:
    key: str
    name: str
    fingerprint: str
    base_size: int


SOURCES = (
    LeakSource(
        "credit", "信用卡申请渠道泄露数据（含负债征信）", "name+phone+id+address+employer+credit", 10_000
    ),
    LeakSource("loanapp", "网贷平台注册用户数据", "name+phone+id+applied_amount+applied_at", 10_000),
    LeakSource(
        "enterprise", "企业信息查询网站爬取数据", "company+legal_representative+registered_phone", 4_000
    ),
)
# share of each source's members taken from the sources before it
XLSX_MAX_ROWS = 3000
_OVERLAP = {"credit": 0.0, "loanapp": 0.03, "enterprise": 0.03}


def source_members(ctx: Ctx) -> dict[str, np.ndarray]:
    """Pool indexes of each source's consumers; sources overlap a little."""
    rng = ctx.rng
    next_free = 0
    members: dict[str, np.ndarray] = {}
    for src in SOURCES:
        size = ctx.n(src.base_size, 120)
        before = np.unique(np.concatenate(list(members.values()))) if members else np.empty(0, dtype=np.int64)
        shared = (
            rng.choice(before, size=int(size * _OVERLAP[src.key] * len(members)), replace=False)
            if before.size
            else np.empty(0, dtype=np.int64)
        )
        fresh = np.arange(next_free, next_free + size - shared.size, dtype=np.int64)
        next_free += fresh.size
        members[src.key] = rng.permutation(np.concatenate([shared, fresh]))
    return members


def pool_size_needed(scale: float) -> int:
    return sum(max(120, round(s.base_size * scale)) for s in SOURCES) + 10 * max(40, round(300 * scale))


_HEADS = {
    "name": ("姓名", "客户姓名", "名字"),
    "phone": ("手机号", "手机号码", "联系电话", "电话号码"),
    "id": ("身份证号", "身份证号码", "证件号码"),
    "address": ("地址", "家庭住址", "居住地址"),
    "employer": ("工作单位", "单位名称", "单位"),
    "credit": ("负债情况", "征信情况", "负债"),
    "source": ("来源", "数据来源", "客户来源"),
}


def _credit_list(ctx: Ctx, idx: np.ndarray, label: str) -> Columns:
    p, h = ctx.pool, {k: ctx.pick(v) for k, v in _HEADS.items()}
    return {
        h["name"]: p.name[idx],
        h["phone"]: p.phone[idx],
        h["id"]: p.id_number[idx],
        h["address"]: p.address[idx],
        h["employer"]: p.employer[idx],
        h["credit"]: p.credit[idx],
        h["source"]: np.full(idx.size, label),
    }


def _loanapp_list(ctx: Ctx, idx: np.ndarray, label: str) -> Columns:
    p, rng = ctx.pool, ctx.rng
    h = {k: ctx.pick(v) for k, v in _HEADS.items()}
    applied = np.datetime64("2024-01-01") + rng.integers(0, 500, size=idx.size).astype("timedelta64[D]")
    return {
        h["name"]: p.name[idx],
        h["phone"]: p.phone[idx],
        h["id"]: p.id_number[idx],
        "申请金额": rng.choice([5000, 10000, 20000, 30000, 50000, 100000], size=idx.size),
        "申请时间": np.datetime_as_string(applied, unit="D"),
        "借款状态": rng.choice(np.array(["审核拒绝", "已放款", "已结清", "逾期中"]), size=idx.size),
        h["source"]: np.full(idx.size, label),
    }


def _enterprise_list(ctx: Ctx, idx: np.ndarray, label: str) -> Columns:
    p, rng = ctx.pool, ctx.rng
    trade = rng.choice(np.array(list("华盛鑫源泰恒达丰瑞祥宏嘉诚兴隆")), size=(idx.size, 2))
    kinds = rng.choice(np.array(["商贸", "建材", "餐饮管理", "物流", "装饰工程", "电子科技"]), size=idx.size)
    firms = [f"{CITY}{a}{b}{k}有限公司" for (a, b), k in zip(trade.tolist(), kinds.tolist(), strict=True)]
    founded = np.datetime64("2008-01-01") + rng.integers(0, 5800, size=idx.size).astype("timedelta64[D]")
    return {
        "企业名称": firms,
        "法定代表人": p.name[idx],
        "注册资本": [
            f"{c}万元人民币" for c in rng.choice([10, 50, 100, 200, 500, 1000], size=idx.size).tolist()
        ],
        "成立日期": np.datetime_as_string(founded, unit="D"),
        "电话": p.phone[idx],
        "注册地址": p.address[idx],
        "经营状态": rng.choice(np.array(["存续", "在业", "存续（在营、开业、在册）"]), size=idx.size),
    }


_BUILDERS = {"credit": _credit_list, "loanapp": _loanapp_list, "enterprise": _enterprise_list}
_LABELS = ("外部资源", "6月数据包", "渠道购买", "老客户", "网络", "朋友推荐", "资源包")


def _write(ctx: Ctx, holder: Holder, name: str, cols: Columns, fmt: str, title: str) -> Written:
    path = ctx.files / name
    if fmt == "xlsx":
        return write_xlsx(
            path,
            cols,
            title=f"{title}（演示数据·合成）",
            subtitle=f"导出时间：2025-07-21  共{len(next(iter(cols.values())))}条",
        )
    return write_csv(path, cols, encoding=fmt)


def write_lists(ctx: Ctx) -> None:
    """Each violating holder gets one or two lists from a leak source, in shuffled order."""
    rng = ctx.rng
    members = source_members(ctx)
    files: dict[str, list[str]] = {s.key: [] for s in SOURCES}
    viol = ctx.world.violating
    plan: list[tuple[Holder, str]] = []
    keys = [s.key for s in SOURCES]
    for k, h in enumerate(viol):
        plan.append((h, keys[k % 3]))
        if k % 4 == 1:
            plan.append((h, keys[(k + 1) % 3]))
    fmts = ("utf-8", "gbk", "xlsx", "utf-8-sig", "gbk", "utf-8", "gbk")
    for j, (h, src) in enumerate(plan):
        pool_idx = members[src]
        frac = rng.uniform(0.25, 0.55)
        idx = rng.permutation(rng.choice(pool_idx, size=max(20, int(pool_idx.size * frac)), replace=False))
        fmt = fmts[j % len(fmts)]
        if fmt == "xlsx" and idx.size > XLSX_MAX_ROWS:
            fmt = "gbk"
        ext = "xlsx" if fmt == "xlsx" else "csv"
        seq = sum(1 for x in ctx.lists if x["holder"] == h.name) + 1
        name = f"{h.short}_客户名单{seq}.{ext}"
        cols = _BUILDERS[src](ctx, idx, ctx.pick(_LABELS))
        written = _write(ctx, h, name, cols, fmt, f"{h.short}客户资料")
        ctx.record(name, h.name, h.site, "customers", written)
        ctx.lists.append({"file": name, "holder": h.name, "source": src, "idx": idx})
        files[src].append(name)
    ctx.truth["leak_sources"] = [
        {
            "key": s.key,
            "name": s.name,
            "fingerprint": s.fingerprint,
            "files": files[s.key],
            "consumers": int(members[s.key].size),
        }
        for s in SOURCES
    ]
    _write_consented(ctx, int(sum(m.size for m in members.values())))


def _write_consented(ctx: Ctx, first_free: int) -> None:
    """Compliant holders keep small lists of customers who applied and consented."""
    rng = ctx.rng
    used = int(max(int(np.max(x["idx"])) for x in ctx.lists) + 1) if ctx.lists else 0
    start = max(first_free, used)
    consented: list[dict[str, Any]] = []
    for k, h in enumerate(ctx.world.compliant):
        size = ctx.n(300, 40)
        idx = np.arange(start, start + size, dtype=np.int64)
        start += size
        p: Pool = ctx.pool
        when = np.datetime64("2025-06-01") + rng.integers(0, 45, size=size).astype("timedelta64[D]")
        cols: Columns = {
            "姓名": p.name[idx],
            "手机号": p.phone[idx],
            "来源": rng.choice(np.array(["官网授权申请", "到店咨询登记", "客户本人来电"]), size=size),
            "授权时间": np.datetime_as_string(when, unit="D"),
            "需求金额": rng.choice([30000, 50000, 100000, 200000], size=size),
        }
        fmt = "xlsx" if k % 3 == 0 else "utf-8"
        name = f"{h.short}_授权客户登记表.{'xlsx' if fmt == 'xlsx' else 'csv'}"
        written = _write(ctx, h, name, cols, fmt, f"{h.short}授权客户登记")
        ctx.record(name, h.name, h.site, "customers", written)
        ctx.lists.append({"file": name, "holder": h.name, "source": "consented", "idx": idx})
        consented.append({"file": name, "holder": h.name, "consumers": size})
    ctx.truth["consented_lists"] = consented
