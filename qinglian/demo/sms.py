"""SMS-platform send logs: campaigns (templates with name, amount and link slots) sent from
several accounts, one account sending ~220,000 messages in one day, and recipients who
reply 退订 — and, from violating senders, keep receiving messages."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.demo.exports import Columns, Written, iso_times, slash_times, to_datetime, write_csv, write_xlsx
from qinglian.demo.texts import EVASIONS, OPTOUT_REPLIES, SMS_TEMPLATES, SmsTemplate
from qinglian.demo.world import Holder

_HEADERS = (
    ("发送账号", "签名", "手机号码", "发送时间", "短信内容", "发送状态"),
    ("账号", "短信签名", "接收号码", "提交时间", "发送内容", "回执状态"),
    ("子账号", "签名", "手机号", "下发时间", "内容", "发送结果"),
)
_STATUS = (("发送成功", "发送失败", "未知"), ("DELIVRD", "UNDELIV", "EXPIRED"), ("成功", "失败", "待回执"))
REPLY_STATUS = "上行回复"
_AMOUNTS = np.array(["5万", "10万", "20万", "30万", "50000", "200000"])
_ALNUM = np.array(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
VIOLATING_TEMPLATES = tuple(t for t in SMS_TEMPLATES if t.violating)
COMPLIANT_TEMPLATES = tuple(t for t in SMS_TEMPLATES if not t.violating)


def _codes(rng: np.random.Generator, n: int, k: int = 5) -> list[str]:
    chars = rng.choice(_ALNUM, size=(n, k))
    return ["".join(row) for row in chars.tolist()]


def assign_sms_accounts(ctx: Ctx) -> dict[str, list[SmsTemplate]]:
    """Platform accounts and signatures; which campaigns each account sends."""
    plan: dict[str, list[SmsTemplate]] = {}
    senders = [h for h in ctx.world.holders if "mass_sms" in h.flags]
    compliant = ctx.world.compliant[:6]
    k = 0
    for h in senders + compliant:
        n_acc = 2 if h.violating and ctx.rng.random() < 0.25 else 1
        guise = h.violating and "impersonation" in h.flags and ctx.rng.random() < 0.5
        h.signature = "【信用卡中心】" if guise else f"【{h.short[:2]}{'金服' if h.violating else '咨询'}】"
        for _ in range(n_acc):
            acc = f"yx{8100 + k * 13}"
            k += 1
            h.sms_accounts.append(acc)
            if h.violating:
                first = VIOLATING_TEMPLATES[len(plan) % len(VIOLATING_TEMPLATES)]
                chosen = [first]
                if ctx.rng.random() < 0.4:
                    chosen.append(VIOLATING_TEMPLATES[(len(plan) + 3) % len(VIOLATING_TEMPLATES)])
            else:
                chosen = [COMPLIANT_TEMPLATES[len(plan) % len(COMPLIANT_TEMPLATES)]]
            plan[acc] = chosen
    return plan


def write_sms(ctx: Ctx) -> None:
    rng = ctx.rng
    plan = assign_sms_accounts(ctx)
    owners = {acc: h for h in ctx.world.holders for acc in h.sms_accounts}
    senders = [h for h in ctx.world.holders if h.sms_accounts]
    robo = [h for h in senders if h.violating and "robocall" in h.flags] or [
        h for h in senders if h.violating
    ]
    big_holder = robo[int(rng.integers(len(robo)))]
    big_account = big_holder.sms_accounts[0]
    big_day = np.datetime64("2025-07-16")
    sent: dict[str, dict[str, Any]] = {}
    optout: dict[str, dict[str, int]] = {}
    for h in senders:
        parts = []
        for acc in h.sms_accounts:
            part, stats = _account_messages(ctx, h, acc, plan[acc], big_day if acc == big_account else None)
            parts.append(part)
            optout[acc] = stats
        cat = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
        order = np.argsort(cat["ts"], kind="stable")
        cat = {key: v[order] for key, v in cat.items()}
        name = _write_file(ctx, h, cat, big=h is big_holder)
        entry = ctx.manifest.by_name(name)
        for i, label in enumerate(cat["campaign"].tolist()):
            ctx.sms_labels.append((name, entry.first_row_no + i, label))
        sent[h.name] = cat
    campaigns = []
    for t in SMS_TEMPLATES:
        accs = sorted(a for a, ts in plan.items() if t in ts)
        if not accs:
            continue
        count = sum(int((cat["campaign"] == t.key).sum()) for cat in sent.values())
        campaigns.append(
            {
                "key": t.key,
                "template": t.text,
                "violating": t.violating,
                "labels": list(t.labels),
                "accounts": accs,
                "holders": sorted({owners[a].name for a in accs}),
                "signatures": sorted({owners[a].signature for a in accs}),
                "messages": count,
            }
        )
        for a in accs:
            ctx.label(owners[a].name, t.labels)
    big = sent[big_holder.name]
    sel = big["account"] == big_account
    days = Counter(big["ts"][sel & (big["campaign"] != "reply")].astype("datetime64[D]").tolist())
    peak_day, peak = max(days.items(), key=lambda kv: kv[1])
    ctx.truth["campaigns"] = campaigns
    ctx.truth["sms_accounts"] = {acc: owners[acc].name for acc in owners}
    ctx.truth["sms_optout"] = optout
    ctx.truth["big_sms"] = {
        "account": big_account,
        "holder": big_holder.name,
        "file": _file_of(ctx, big_holder),
        "peak_day": str(peak_day),
        "peak_count": int(peak),
        "signature": big_holder.signature,
    }


def _file_of(ctx: Ctx, h: Holder) -> str:
    return next(e.name for e in ctx.manifest.entries if e.holder == h.name and e.kind == "sms")


def _account_messages(
    ctx: Ctx, h: Holder, acc: str, templates: list[SmsTemplate], big_day: np.datetime64 | None
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    rng, pool = ctx.rng, ctx.pool
    own = [x["idx"] for x in ctx.lists if x["holder"] == h.name]
    known = np.concatenate(own) if own else np.empty(0, dtype=np.int64)
    if big_day is not None:
        day_counts = [ctx.n(220_000), ctx.n(15_000), ctx.n(12_000)]
        days = [big_day, big_day - np.timedelta64(1, "D"), big_day + np.timedelta64(1, "D")]
        share_known = 0.05
    elif h.violating:
        total = ctx.n(int(rng.integers(1500, 8000)), 30)
        ndays = int(rng.integers(3, 8))
        day_counts = [len(x) for x in np.array_split(np.arange(total), ndays)]
        first = np.datetime64("2025-07-05") + np.timedelta64(int(rng.integers(0, 8)), "D")
        days = [first + np.timedelta64(i, "D") for i in range(ndays)]
        share_known = 0.4
    else:
        total = ctx.n(int(rng.integers(50, 300)), 10)
        day_counts, days, share_known = [total], [np.datetime64("2025-07-10")], 1.0
    n = int(sum(day_counts))
    n_known = min(known.size, int(n * share_known))
    known_pick = rng.choice(known, size=n_known, replace=False) if n_known else np.empty(0, dtype=np.int64)
    strangers = ctx.phones.take(n - n_known)
    phone = np.concatenate([pool.phone[known_pick], strangers])
    name = np.concatenate([pool.name[known_pick], np.full(strangers.size, "")])
    perm = rng.permutation(n)
    phone, name = phone[perm], name[perm]
    lo, hi = (8 * 3600, 22 * 3600) if h.violating else (9 * 3600, 18 * 3600)
    ts = np.concatenate(
        [
            d.astype("datetime64[s]") + rng.integers(lo, hi, c).astype("timedelta64[s]")
            for d, c in zip(days, day_counts, strict=True)
        ]
    )
    ts = np.sort(ts)
    t_idx = rng.integers(0, len(templates), n)
    # opt-out replies, and — from violating senders — messages sent after them
    reply_rate = 0.015 if h.violating else 0.03
    repliers = np.flatnonzero(rng.random(n) < reply_rate)
    r_ts = ts[repliers] + rng.integers(60, 3600, repliers.size).astype("timedelta64[s]")
    times = rng.integers(1, 3, repliers.size) if h.violating else np.zeros(repliers.size, dtype=np.int64)
    rep = np.repeat(np.arange(repliers.size), times)
    after = int(rep.size)
    all_phone = np.concatenate([phone, phone[repliers][rep]])
    all_name = np.concatenate([name, name[repliers][rep]])
    all_ts = np.concatenate(
        [ts, r_ts[rep] + rng.integers(3600, 2 * 86400, rep.size).astype("timedelta64[s]")]
    )
    all_t = np.concatenate([t_idx, t_idx[repliers][rep]])
    all_campaign = np.array([t.key for t in templates])[all_t]
    content = _contents(ctx, h, acc, templates, all_t, all_name)
    status = rng.choice(3, size=all_t.size, p=[0.92, 0.05, 0.03])
    m = repliers.size
    out = {
        "account": np.full(all_t.size + m, acc),
        "recipient": np.concatenate([all_phone, phone[repliers]]),
        "ts": np.concatenate([all_ts, r_ts]),
        "content": np.concatenate(
            [
                np.array(content, dtype=object),
                np.array([OPTOUT_REPLIES[i % len(OPTOUT_REPLIES)] for i in range(m)], dtype=object),
            ]
        ),
        "status": np.concatenate([status, np.full(m, -1)]),
        "campaign": np.concatenate([all_campaign, np.full(m, "reply")]).astype(object),
    }
    return out, {"replied": int(m), "sends_after_optout": after}


def _contents(
    ctx: Ctx, h: Holder, acc: str, templates: list[SmsTemplate], t_idx: np.ndarray, names: np.ndarray
) -> list[str]:
    rng = ctx.rng
    n = t_idx.size
    amount = rng.choice(_AMOUNTS, size=n).tolist()
    host = f"{acc[-3:]}{_codes(rng, 1, 3)[0]}.example"
    codes = np.array(_codes(rng, 512))[rng.integers(0, 512, n)].tolist()
    variant = rng.integers(0, 2, n).tolist()
    evasion = EVASIONS[int(rng.integers(len(EVASIONS)))] if h.violating else {}
    dodge = (rng.random(n) < 0.5).tolist()
    out = []
    for k, (ti, nm) in enumerate(zip(t_idx.tolist(), names.tolist(), strict=True)):
        t = templates[ti]
        prefix = t.variants[variant[k] % len(t.variants)]
        text = t.text.format(
            sig=h.signature + prefix, name=nm, amount=amount[k], link=f"http://{host}/{codes[k]}"
        )
        if dodge[k]:
            for plain, tricked in evasion.items():
                text = text.replace(plain, tricked)
        out.append(text)
    return out


def _write_file(ctx: Ctx, h: Holder, cat: dict[str, np.ndarray], big: bool) -> str:
    variant = h.idx % 3
    head = _HEADERS[variant]
    words = np.array(_STATUS[variant] + (REPLY_STATUS,))
    n = cat["ts"].size
    sig = np.full(n, h.signature)
    shape = "utf-8" if big else ("gbk", "utf-8", "xlsx")[h.idx % 3]
    if shape == "xlsx" and n > 3000:
        shape = "utf-8-sig"
    times: Any = (
        [to_datetime(t) for t in cat["ts"]]
        if shape == "xlsx"
        else iso_times(cat["ts"])
        if big or h.idx % 2
        else slash_times(cat["ts"])
    )
    ctx.texted.append(cat["recipient"])  # every row of a platform export, the opt-out replies too
    cols: Columns = {
        head[0]: cat["account"],
        head[1]: sig,
        head[2]: cat["recipient"],
        head[3]: times,
        head[4]: cat["content"],
        head[5]: words[cat["status"].astype(np.int64)],
    }
    base = f"{h.short}_短信平台发送记录"
    written: Written
    if shape == "xlsx":
        name = f"{base}.xlsx"
        written = write_xlsx(
            ctx.files / name,
            cols,
            title="示例云信通讯 短信发送明细（演示数据·合成）",
            subtitle=f"账号：{'、'.join(h.sms_accounts)}",
        )
    else:
        name = f"{base}.csv"
        written = write_csv(ctx.files / name, cols, encoding=shape)
    ctx.record(name, h.name, h.site, "sms", written)
    return name
