"""AI-dialer call logs: accounts that dial a customer list in its row order on many lines at
once, with rotating caller numbers, grading consumers A–D by call duration and how often
they spoke; and the ordinary call logs of the compliant holders."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.demo.exports import (
    Columns,
    Written,
    durations,
    iso_times,
    slash_times,
    split_members,
    to_datetime,
    write_csv,
    write_xlsx,
    write_zip,
)
from qinglian.demo.ids import phone_strings
from qinglian.demo.texts import (
    BANK_GUISES,
    COMPLIANT_SCRIPT,
    CONSUMER_REPLIES,
    REFUSAL,
    SCRIPTS,
    Script,
)
from qinglian.demo.world import Holder

DAY_START_S = 9 * 3600
WORK_S = 11 * 3600 + 1800  # 09:00–20:30
GRADE_RULE = "A: 接通且时长≥60秒且客户说话≥4次; B: 时长≥25秒且说话≥2次; C: 其余接通; D: 未接通"

_HEADERS = (
    (
        "坐席账号",
        "主叫号码",
        "被叫号码",
        "开始时间",
        "通话时长",
        "接通状态",
        "意向等级",
        "客户说话次数",
        "通话内容",
        "任务名称",
        "话术",
    ),
    (
        "外呼账号",
        "外显号码",
        "客户号码",
        "呼叫时间",
        "时长",
        "呼叫结果",
        "客户意向",
        "对话轮次",
        "录音文本",
        "外呼任务",
        "话术名称",
    ),
    (
        "机器人账号",
        "显示号码",
        "客户电话",
        "拨打时间",
        "通话时长(秒)",
        "是否接通",
        "意向级别",
        "交互轮次",
        "转写文本",
        "项目名称",
        "机器人话术",
    ),
)
_ANSWER_WORDS = (("已接通", "未接通"), ("接通", "未接通"), ("是", "否"))


def grade(answered: np.ndarray, dur: np.ndarray, turns: np.ndarray) -> np.ndarray:
    g = np.full(dur.size, "D", dtype="<U1")
    g[answered] = "C"
    g[answered & (dur >= 25) & (turns >= 2)] = "B"
    g[answered & (dur >= 60) & (turns >= 4)] = "A"
    return g


def _outcomes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    answered = rng.random(n) < 0.35
    kind = rng.choice(3, size=n, p=[0.45, 0.35, 0.20])
    dur = np.where(
        kind == 0,
        rng.integers(2, 13, n),
        np.where(kind == 1, rng.integers(13, 60, n), rng.integers(60, 200, n)),
    )
    turns = np.where(
        kind == 0, rng.integers(0, 2, n), np.where(kind == 1, rng.integers(1, 5, n), rng.integers(3, 10, n))
    )
    dur = np.where(answered, dur, 0)
    turns = np.where(answered, turns, 0)
    return answered, dur.astype(np.int64), turns.astype(np.int64)


def _schedule(rng: np.random.Generator, start: np.datetime64, dur: np.ndarray, seats: int) -> np.ndarray:
    """Start times of calls placed in list order: each call takes the first of `seats` lines to
    free up, a line being busy for ring + talk + 2 s (so starts never go back in list order)."""
    cost = (rng.integers(15, 31, dur.size) + dur + 2).tolist()
    free = [k * 3 for k in range(seats)]
    heapq.heapify(free)
    off = np.empty(dur.size, dtype=np.int64)
    for i, c in enumerate(cost):
        t = heapq.heappop(free)
        off[i] = t
        heapq.heappush(free, t + c)
    day, sec = off // WORK_S, off % WORK_S
    ts: np.ndarray = start.astype("datetime64[s]") + (day * 86400 + DAY_START_S + sec).astype(
        "timedelta64[s]"
    )
    return ts


def _transcripts(
    ctx: Ctx,
    h: Holder,
    script: Script,
    idx: np.ndarray,
    answered: np.ndarray,
    dur: np.ndarray,
    turns: np.ndarray,
    refused: np.ndarray,
) -> list[str]:
    p, rng = ctx.pool, ctx.rng
    out: list[str] = []
    guise = ctx.pick(BANK_GUISES)
    replies = rng.integers(0, len(CONSUMER_REPLIES) - 1, size=(idx.size, 10))
    for k in range(idx.size):
        if not answered[k] or dur[k] < 5:
            out.append("")
            continue
        c = int(idx[k])
        fill = {
            "name": str(p.name[c]),
            "employer": str(p.employer[c]),
            "address": str(p.address[c]),
            "guise": guise,
            "company": h.short,
        }
        parts = ["机器人：" + script.opening.format(**fill)]
        for t in range(int(turns[k])):
            said = REFUSAL if refused[k] and t == int(turns[k]) - 1 else CONSUMER_REPLIES[int(replies[k, t])]
            parts.append("客户：" + said)
            parts.append("机器人：" + script.lines[t % len(script.lines)].format(**fill))
        out.append(" ".join(parts))
    return out


def _pick_script(ctx: Ctx, h: Holder) -> Script:
    if not h.violating:
        return COMPLIANT_SCRIPT
    if "impersonation" in h.flags:
        return SCRIPTS[ctx.pick((0, 1, 3))]
    return SCRIPTS[2]


def write_calls(ctx: Ctx) -> None:
    truth_pairs: list[dict[str, Any]] = []
    robocall_numbers: list[str] = []
    after_refusal: dict[str, int] = {}
    for k, h in enumerate(ctx.world.holders):
        if "robocall" in h.flags:
            pairs, refusal_redials = _robocall_holder(ctx, h, k)
            truth_pairs += pairs
            robocall_numbers += h.callers
            after_refusal[h.name] = refusal_redials
        elif "uses_dialer" in h.flags:
            _consented_dialer(ctx, h)
        elif not h.violating:
            _human_calls(ctx, h)
    ctx.truth["list_order_dialling"] = truth_pairs
    ctx.truth["robocall_numbers"] = robocall_numbers
    ctx.truth["calls_after_refusal"] = after_refusal
    ctx.truth["intent_grading_rule"] = GRADE_RULE


def _robocall_holder(ctx: Ctx, h: Holder, k: int) -> tuple[list[dict[str, Any]], int]:
    rng = ctx.rng
    lists = [x for x in ctx.lists if x["holder"] == h.name]
    numbers = phone_strings(ctx.phones.take(len(h.accounts) * int(rng.integers(2, 5))))
    h.callers = numbers
    per_acc = np.array_split(np.array(numbers), len(h.accounts))
    script = _pick_script(ctx, h)
    ctx.truth.setdefault("scripts", {})[h.name] = script.name
    ctx.label(h.name, script.labels)
    jobs: list[tuple[dict[str, Any], str, np.ndarray, int]] = []
    for j, acc in enumerate(h.accounts):
        if j < len(lists):
            lst = lists[j]
            rows = np.arange(lst["idx"].size)
            if len(h.accounts) > len(lists) and j == len(lists) - 1:
                rows = rows[: rows.size // 2]
            jobs.append((lst, acc, rows, j))
        else:  # a second account takes the second half of the first list
            lst = lists[0]
            rows = np.arange(lst["idx"].size)[lst["idx"].size // 2 :]
            jobs.append((lst, acc, rows, j))
    pieces: list[dict[str, Any]] = []
    pairs: list[dict[str, Any]] = []
    refusal_redials = 0
    for lst, acc, rows, j in jobs:
        cover = rows[: max(5, int(rows.size * rng.uniform(0.85, 1.0)))]
        idx = lst["idx"][cover]
        answered, dur, turns = _outcomes(rng, idx.size)
        start = np.datetime64("2025-07-02") + np.timedelta64(int(rng.integers(0, 14)), "D")
        ts = _schedule(rng, start, dur, ctx.truth["account_seats"][acc])
        refused = answered & (turns > 0) & (rng.random(idx.size) < 0.12)
        # redials: unanswered numbers, and some who refused (calls after refusal)
        again = np.flatnonzero(
            (~answered & (rng.random(idx.size) < 0.15)) | (refused & (rng.random(idx.size) < 0.4))
        )
        refusal_redials += int(refused[again].sum())
        r_ans, r_dur, r_turns = _outcomes(rng, again.size)
        next_day = (ts.max().astype("datetime64[D]") + np.timedelta64(1, "D")).astype("datetime64[s]")
        r_ts = np.sort(
            next_day + (DAY_START_S + rng.integers(0, WORK_S, again.size)).astype("timedelta64[s]")
        )
        all_idx = np.concatenate([idx, idx[again]])
        piece = {
            "account": np.full(all_idx.size, acc),
            "caller": rng.choice(per_acc[j % len(per_acc)], size=all_idx.size),
            "idx": all_idx,
            "ts": np.concatenate([ts, r_ts]),
            "answered": np.concatenate([answered, r_ans]),
            "dur": np.concatenate([dur, r_dur]),
            "turns": np.concatenate([turns, r_turns]),
            "refused": np.concatenate([refused, np.zeros(again.size, dtype=bool)]),
            "task": np.full(all_idx.size, f"7月回访-{lst['file'].rsplit('.', 1)[0]}"),
        }
        pieces.append(piece)
        pairs.append(
            {
                "list_file": lst["file"],
                "account": acc,
                "holder": h.name,
                "first_row": int(cover[0]) + 1,
                "last_row": int(cover[-1]) + 1,
                "callers": sorted(set(piece["caller"].tolist())),
            }
        )
    cat = {key: np.concatenate([p[key] for p in pieces]) for key in pieces[0]}
    order = np.argsort(cat["ts"], kind="stable")
    cat = {key: v[order] for key, v in cat.items()}
    h.callers = list(dict.fromkeys(cat["caller"].tolist()))  # the numbers its calls really show
    ctx.answered[h.name] = {
        "caller": cat["caller"][cat["answered"]],
        "idx": cat["idx"][cat["answered"]],
        "ts": cat["ts"][cat["answered"]],
    }
    _write_dialer_file(ctx, h, k, script, cat)
    return pairs, refusal_redials


def _dialer_columns(
    ctx: Ctx, h: Holder, variant: int, script: Script, cat: dict[str, Any], time_form: str, dur_form: str
) -> Columns:
    head = _HEADERS[variant]
    yes, no = _ANSWER_WORDS[variant]
    ts = cat["ts"]
    times: Any = (
        iso_times(ts)
        if time_form == "iso"
        else slash_times(ts)
        if time_form == "slash"
        else [to_datetime(t) for t in ts]
    )
    transcripts = _transcripts(
        ctx, h, script, cat["idx"], cat["answered"], cat["dur"], cat["turns"], cat["refused"]
    )
    ctx.called.append(ctx.pool.phone[cat["idx"]])  # every dialer export shows a vendor account
    return {
        head[0]: cat["account"],
        head[1]: cat["caller"],
        head[2]: ctx.pool.phone[cat["idx"]],
        head[3]: times,
        head[4]: durations(cat["dur"], dur_form, ctx.rng),
        head[5]: np.where(cat["answered"], yes, no),
        head[6]: grade(cat["answered"], cat["dur"], cat["turns"]),
        head[7]: cat["turns"],
        head[8]: transcripts,
        head[9]: cat["task"],
        head[10]: np.full(cat["idx"].size, script.name),
    }


def _write_dialer_file(ctx: Ctx, h: Holder, k: int, script: Script, cat: dict[str, Any]) -> None:
    variant = k % 3
    shape = ("utf-8", "gbk", "xlsx", "zip", "utf-8", "gbk")[k % 6] if k != 0 else "zip"
    dur_form = ("plain", "cn", "clock", "mixed")[k % 4]
    n = cat["idx"].size
    if shape == "xlsx" and n > 8000:
        shape = "utf-8"
    time_form = "xlsx" if shape == "xlsx" else ("iso", "slash")[k % 2]
    cols = _dialer_columns(ctx, h, variant, script, cat, time_form, dur_form)
    _count_grades(ctx, h, cat)
    base = f"{h.short}_AI外呼记录"
    if shape == "xlsx":
        written = write_xlsx(
            ctx.files / f"{base}.xlsx",
            cols,
            title=f"{h.short} 外呼任务通话明细（演示数据·合成）",
            subtitle="系统：示例智呼AI外呼平台  导出人：管理员",
        )
        ctx.record(f"{base}.xlsx", h.name, h.site, "calls", written)
    elif shape == "zip":
        days = np.datetime_as_string(np.asarray(cat["ts"]).astype("datetime64[D]"))
        keys = [f"外呼明细_{acc}_{d.replace('-', '')}" for acc, d in zip(cat["account"], days, strict=True)]
        members = split_members(cols, keys, gbk_every=2)
        write_zip(ctx.files / f"{base}.zip", members)
        ctx.record(f"{base}.zip", h.name, h.site, "calls", Written(n, 2, None, "zip"), tuple(members))
    else:
        written = write_csv(ctx.files / f"{base}.csv", cols, encoding=shape)
        ctx.record(f"{base}.csv", h.name, h.site, "calls", written)


def _count_grades(ctx: Ctx, h: Holder, cat: dict[str, Any]) -> None:
    """Calls per intent grade, as the holder's dialer export shows them."""
    grades = grade(cat["answered"], cat["dur"], cat["turns"])
    values, counts = np.unique(grades, return_counts=True)
    per_holder = ctx.truth.setdefault("intent_grades", {})
    per_holder[h.name] = {str(v): int(c) for v, c in zip(values.tolist(), counts.tolist(), strict=True)}


def _consented_dialer(ctx: Ctx, h: Holder) -> None:
    """A compliant holder rents the dialer to call back customers who applied: few lines, random order."""
    rng = ctx.rng
    lst = next(x for x in ctx.lists if x["holder"] == h.name)
    idx = rng.permutation(lst["idx"])[: max(10, lst["idx"].size // 2)]
    h.callers = phone_strings(ctx.phones.take(1))
    answered, dur, turns = _outcomes(rng, idx.size)
    dur = np.where(answered, dur + 40, 0)
    start = np.datetime64("2025-07-01") + np.timedelta64(int(rng.integers(0, 5)), "D")
    days = rng.integers(0, 15, idx.size)
    ts = np.sort(
        start.astype("datetime64[s]")
        + (days * 86400 + 9 * 3600 + rng.integers(0, 8 * 3600, idx.size)).astype("timedelta64[s]")
    )
    cat = {
        "account": np.full(idx.size, h.accounts[0]),
        "caller": np.full(idx.size, h.callers[0]),
        "idx": idx,
        "ts": ts,
        "answered": answered,
        "dur": dur,
        "turns": turns,
        "refused": np.zeros(idx.size, dtype=bool),
        "task": np.full(idx.size, "授权客户回访"),
    }
    ctx.label(h.name, COMPLIANT_SCRIPT.labels)
    cols = _dialer_columns(ctx, h, h.idx % 3, COMPLIANT_SCRIPT, cat, "iso", "plain")
    _count_grades(ctx, h, cat)
    name = f"{h.short}_外呼记录.csv"
    ctx.record(name, h.name, h.site, "calls", write_csv(ctx.files / name, cols))


def _human_calls(ctx: Ctx, h: Holder) -> None:
    """Staff phones calling consented customers back, a few times each, in office hours."""
    rng = ctx.rng
    lst = next(x for x in ctx.lists if x["holder"] == h.name)
    h.callers = phone_strings(ctx.phones.take(3))
    called = rng.choice(lst["idx"], size=max(5, lst["idx"].size // 3), replace=False)
    idx = np.repeat(called, rng.integers(1, 4, called.size))
    ts = np.sort(
        np.datetime64("2025-06-03T09:00:00")
        + (rng.integers(0, 48, idx.size) * 86400 + rng.integers(0, 9 * 3600, idx.size)).astype(
            "timedelta64[s]"
        )
    )
    answered = rng.random(idx.size) < 0.7
    dur = np.where(answered, rng.integers(40, 420, idx.size), 0)
    cols: Columns = {
        "主叫号码": rng.choice(np.array(h.callers), size=idx.size),
        "被叫号码": ctx.pool.phone[idx],
        "通话时间": slash_times(ts),
        "通话时长": durations(dur, "cn"),
        "呼叫类型": np.full(idx.size, "呼出"),
    }
    name = f"{h.short}_员工手机通话记录.csv"
    ctx.record(
        name,
        h.name,
        h.site,
        "calls",
        write_csv(ctx.files / name, cols, encoding="gbk" if h.idx % 2 else "utf-8"),
    )
