"""Synthetic call-detail records with a known set of robocalling numbers (benchmark and tests).

The population mixes ordinary callers with robocallers whose behaviour varies, so that no
single measure separates them:

- people: call a small circle of contacts (who call back), a few calls a day, minutes long;
- couriers: 40-140 calls a day to mostly new numbers, about 1.2 calls per callee, short
  calls, but consumers call back (20-35 % of their traffic is incoming);
- customer service lines: heavy, mostly incoming, with outgoing call-backs of minutes;
- sales staff: 15-70 calls a day to a book of clients they call again and again;
- robocallers: AI dialer lines from 60 to 3,000 calls a day, 1.0-1.6 calls per callee,
  20-60 % answered, answered calls of 5-45 s, up to 8 % call-backs, 1-16 handsets, run
  for 1-7 days, grouped in dialer accounts of six numbers. About one in ten is slow or
  long-talking enough to look like a busy courier.

Numbers come from disjoint ranges per group only to keep them unique; no measure reads
the number itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY = 86400
EPOCH0 = int(datetime(2025, 7, 14).timestamp()) - int(datetime(1970, 1, 1).timestamp())


@dataclass(frozen=True)
class Synthetic:
    calls: pa.Table  # caller, callee, started_at, duration_s, handset, account
    robocallers: frozenset[str]


def _phones(ids: np.ndarray) -> pa.Array:
    """E.164 strings, formatted once per distinct number."""
    uniq, inverse = np.unique(ids, return_inverse=True)
    text = pc.binary_join_element_wise("+86", pc.cast(pa.array(uniq, pa.int64()), pa.string()), "")
    return pc.take(text, pa.array(inverse.astype(np.int32)))


def _tod(rng: np.random.Generator, n: int, start_h: float, end_h: float, peak_h: float) -> np.ndarray:
    """Seconds into the day, triangular between start and end hours around a peak."""
    return (rng.triangular(start_h, peak_h, end_h, n) * 3600).astype(np.int64)


def _talk(
    rng: np.random.Generator, n: int, answer: np.ndarray | float, median_s: np.ndarray | float, sigma: float
) -> np.ndarray:
    answered = rng.random(n) < answer
    dur = np.round(rng.lognormal(np.log(median_s), sigma, n))
    return np.where(answered, np.maximum(dur, 1), 0).astype(np.float64)


class _Acc:
    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {
            k: [] for k in ("caller", "callee", "t", "dur", "handset", "acct")
        }

    def add(
        self,
        caller: np.ndarray,
        callee: np.ndarray,
        t: np.ndarray,
        dur: np.ndarray,
        handset: np.ndarray | None = None,
        acct: np.ndarray | None = None,
    ) -> None:
        n = len(caller)
        self.parts["caller"].append(caller.astype(np.int64))
        self.parts["callee"].append(callee.astype(np.int64))
        self.parts["t"].append(t.astype(np.int64))
        self.parts["dur"].append(dur.astype(np.float64))
        self.parts["handset"].append(
            np.full(n, -1, np.int64) if handset is None else handset.astype(np.int64)
        )
        self.parts["acct"].append(np.full(n, -1, np.int64) if acct is None else acct.astype(np.int64))

    def cat(self, key: str) -> np.ndarray:
        return np.concatenate(self.parts[key])


def generate(n_calls: int = 10_000_000, days: int = 7, seed: int = 7) -> Synthetic:
    """At most `n_calls` calls over `days` days (a shuffled sample when the population makes more);
    robocallers place about a third of them. `robocallers` holds those that appear as callers."""
    rng = np.random.default_rng(seed)
    scale = n_calls / 10_000_000
    acc = _Acc()
    n_cons = max(1000, int(3_000_000 * scale))
    consumers = 13_000_000_000 + np.unique(rng.integers(0, 200_000_000, int(n_cons * 1.05)))
    consumers = rng.permutation(consumers)[:n_cons]

    # -- people: a circle of contacts among people, who call back ---------------------------
    n_people = max(200, int(150_000 * scale))
    people = 13_800_000_000 + np.arange(n_people)
    per_day = rng.gamma(2.0, 1.3, n_people)
    k = rng.poisson(per_day * days)
    caller_idx = np.repeat(np.arange(n_people), k)
    circle = rng.integers(5, 40, n_people)[caller_idx]
    slot = (rng.random(len(caller_idx)) ** 2 * circle).astype(np.int64)
    contact = (caller_idx * 7919 + slot * 104_729 + 13) % n_people
    n = len(caller_idx)
    t = EPOCH0 + rng.integers(0, days, n) * DAY + _tod(rng, n, 7, 23.5, 19)
    acc.add(people[caller_idx], people[contact], t, _talk(rng, n, 0.85, 75, 1.0))

    # -- couriers ---------------------------------------------------------------------------
    n_cour = max(20, int(2_500 * scale))
    couriers = 18_600_000_000 + np.arange(n_cour)
    rate = rng.uniform(40, 140, n_cour)
    work_days = rng.integers(max(1, days - 2), days + 1, n_cour)
    k = rng.poisson(rate * work_days)
    ci = np.repeat(np.arange(n_cour), k)
    n = len(ci)
    fresh = rng.random(n) < 0.83
    callee = np.where(
        fresh, rng.choice(consumers, n), consumers[(ci * 31 + rng.integers(0, 60, n)) % len(consumers)]
    )
    t = EPOCH0 + rng.integers(0, days, n) * DAY + _tod(rng, n, 8, 21, 11)
    hand = ci * 4 + (rng.random(n) < 0.05)
    acc.add(couriers[ci], callee, t, _talk(rng, n, 0.85, 30, 0.7), handset=hand)
    back = rng.random(n) < rng.uniform(0.25, 0.55, n_cour)[ci]  # consumers ring back
    acc.add(
        callee[back],
        couriers[ci[back]],
        t[back] + rng.integers(60, 7200, back.sum()),
        _talk(rng, int(back.sum()), 0.9, 40, 0.6),
    )

    # -- customer service lines ---------------------------------------------------------------
    n_cs = max(5, int(300 * scale))
    cs = 40_000_000_000 + np.arange(n_cs)
    k_in = rng.poisson(rng.uniform(200, 900, n_cs) * days)
    ci = np.repeat(np.arange(n_cs), k_in)
    n = len(ci)
    t = EPOCH0 + rng.integers(0, days, n) * DAY + _tod(rng, n, 8, 22, 14)
    acc.add(rng.choice(consumers, n), cs[ci], t, _talk(rng, n, 0.95, 180, 0.8))
    k_out = rng.poisson(rng.uniform(50, 300, n_cs) * days)
    ci = np.repeat(np.arange(n_cs), k_out)
    n = len(ci)
    t = EPOCH0 + rng.integers(0, days, n) * DAY + _tod(rng, n, 9, 21, 15)
    acc.add(
        cs[ci],
        rng.choice(consumers, n),
        t,
        _talk(rng, n, 0.75, 150, 0.8),
        handset=ci * 50 + rng.integers(0, 20, n),
    )

    # -- sales staff with a book of clients -----------------------------------------------------
    n_sales = max(20, int(4_000 * scale))
    sales = 18_800_000_000 + np.arange(n_sales)
    k = rng.poisson(rng.uniform(15, 70, n_sales) * days)
    ci = np.repeat(np.arange(n_sales), k)
    n = len(ci)
    book = rng.integers(40, 400, n_sales)[ci]
    callee = consumers[(ci * 977 + rng.integers(0, 1 << 30, n) % book) % len(consumers)]
    t = EPOCH0 + rng.integers(0, days, n) * DAY + _tod(rng, n, 8.5, 20, 10)
    dur = _talk(rng, n, 0.7, 90, 0.9)
    acc.add(sales[ci], callee, t, dur)
    back = rng.random(n) < 0.3
    acc.add(callee[back], sales[ci[back]], t[back] + 600, _talk(rng, int(back.sum()), 0.9, 90, 0.8))

    # -- robocallers --------------------------------------------------------------------------
    robots: list[int] = []
    budget = int(4_000_000 * scale)
    rid = 0
    while budget > 0:
        number = 17_000_000_000 + rid
        account = rid // 6  # dialer accounts of six numbers
        hard = rng.random() < 0.12
        line_rate = rng.uniform(60, 160) if hard else float(np.exp(rng.uniform(np.log(150), np.log(3000))))
        active = int(rng.integers(1, days + 1))
        k_calls = max(20, int(rng.poisson(line_rate * active)))
        cpc = rng.uniform(1.0, 1.6)
        m = max(1, int(k_calls / cpc))
        targets = rng.choice(consumers, m)
        idx = (
            np.concatenate([np.arange(m), rng.integers(0, m, k_calls - m)])
            if k_calls > m
            else np.arange(k_calls)
        )
        day0 = int(rng.integers(0, days - active + 1))
        t = EPOCH0 + (day0 + rng.integers(0, active, len(idx))) * DAY + _tod(rng, len(idx), 8.5, 20.5, 14)
        t = np.sort(t)  # a list is worked through in order
        median = float(rng.uniform(25, 60) if hard else rng.uniform(5, 30))
        dur = _talk(rng, len(idx), rng.uniform(0.2, 0.6), median, 0.6)
        n_hand = int(rng.choice([1, 1, 2, 4, 8, 16]))
        hand = 1_000_000 + rid * 16 + rng.integers(0, n_hand, len(idx))
        callee = targets[idx]
        acc.add(
            np.full(len(idx), number), callee, t, dur, handset=hand, acct=np.full(len(idx), 9_000 + account)
        )
        back = rng.random(len(idx)) < (rng.uniform(0.05, 0.2) if hard else rng.uniform(0.0, 0.08))
        acc.add(
            callee[back],
            np.full(int(back.sum()), number),
            t[back] + 300,
            _talk(rng, int(back.sum()), 0.3, 10, 0.5),
        )
        robots.append(number)
        budget -= len(idx)
        rid += 1

    caller = acc.cat("caller")
    order = rng.permutation(len(caller))
    handset = acc.cat("handset")[order]
    acct = acc.cat("acct")[order]
    hs = pc.if_else(
        pa.array(handset < 0), pa.nulls(len(handset), pa.string()), pc.cast(pa.array(handset), pa.string())
    )
    ac = pc.if_else(
        pa.array(acct < 0),
        pa.nulls(len(acct), pa.string()),
        pc.binary_join_element_wise("AI", pc.cast(pa.array(acct), pa.string()), ""),
    )
    table = pa.table(
        {
            "caller": _phones(caller[order]),
            "callee": _phones(acc.cat("callee")[order]),
            "started_at": pa.array(acc.cat("t")[order], pa.int64()).cast(pa.timestamp("s")),
            "duration_s": pa.array(acc.cat("dur")[order], pa.float64()),
            "handset": hs,
            "account": ac,
        }
    )
    if table.num_rows > n_calls:  # rows are shuffled: the first n_calls are a uniform sample
        table = table.slice(0, n_calls)
    present = set(pc.unique(table["caller"]).to_pylist())
    known = frozenset(f"+86{r}" for r in robots) & present
    return Synthetic(calls=table, robocallers=known)
