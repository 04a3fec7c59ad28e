"""Generated per-number features (the `score-callers` columns) with a known kind of line: development data.

Each number is simulated call by call over a window of `window_days` and then aggregated into
the contract's features, so that the features of one number are consistent with each other
(calls, distinct callees, durations and active hours come from the same simulated calls) and
carry the noise of small counts. The kinds and the published facts each draw rests on:

Not harmful
- `ordinary_light`: a quarter of mobile users make fewer than five calls a month (Ofcom, Mobile
  Matters 2019): a few calls on a few days, to a handful of contacts.
- `ordinary`: calls most days, a few a day, to a circle of contacts called again and again
  (Onnela et al., PNAS 2007: heavy-tailed tie strengths); about half of a person's calls are
  received (every call is made by one subscriber and received by another); 60 % of calls last
  under 90 s, most under five minutes (Ofcom 2019).
- `courier`: 30-160 calls a day to mostly new numbers (press reports: an SF courier, 160 parcels
  and 46 calls in his busiest hour; a Zhongguancun courier, some 30 calls a day), short calls,
  but recipients call back; six days a week, one handset, working hours.
- `sales`: sales staff working a book of clients: 15-50 calls a day, each client called
  several times, longer calls, calls back from clients.
- `agent`: lawful cold-calling agents (property, insurance, recruitment): 20-60 calls a day to
  many new numbers, some call-backs, moderate durations. The hardest lawful kind to tell from a
  slow dialer; labelled not harmful here because lawful heavy callers must not be flagged on
  volume.
- `service`: a customer-service line: mostly receives calls; makes call-backs of minutes.

Harmful
- `scam_line`: short-lived (Chubao 2016 report via Xinhua: harassing numbers live 6.61 days on
  average, make 328 calls to 255 people, 29 s a call), almost all outgoing, a new person each
  call, moderate daily volume; some leave a call-back number (10-20 % received), some talk
  long (a scam needs minutes once a victim is engaged).
- `slow_dialer`: telemarketing SIM ("电销卡") worked by hand or a slow dialer: 30-120 calls a day,
  kept under carriers' published-in-press high-frequency limits (80-100 strangers a day), working
  hours, a few weeks of life, short calls, few call-backs.
- `ai_dialer`: AI robocall lines (the model case): hundreds to thousands of calls a day, one
  call per consumer, mostly unanswered or cut within seconds, several handsets behind one number.
- `sms_blaster`: a SIM in an SMS cat-pool: hundreds to thousands of SMS a day, few calls.

Overlap is deliberate: light harmful lines look like couriers on volume, agents look like slow
dialers, some scam lines receive call-backs. These are development figures on generated data,
never an evaluation: the distributions are the team's reading of the sources above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qinglian.detect.behaviour.config import INPUT_FEATURES

FEATURES = INPUT_FEATURES

HARMFUL = frozenset({"scam_line", "slow_dialer", "ai_dialer", "sms_blaster"})

# Share of each kind in a default sample: about a third harmful, like the labelled sets carriers
# hold (user reports and confirmed cases, with ordinary numbers drawn beside them).
DEFAULT_MIX: dict[str, float] = {
    "ordinary_light": 0.20,
    "ordinary": 0.28,
    "courier": 0.06,
    "sales": 0.05,
    "agent": 0.05,
    "service": 0.03,
    "scam_line": 0.15,
    "slow_dialer": 0.09,
    "ai_dialer": 0.05,
    "sms_blaster": 0.04,
}


@dataclass(frozen=True)
class Kind:
    """How one kind of line behaves (medians with log-normal spread unless said otherwise)."""

    calls_per_day: float  # calls made on an active day
    calls_sigma: float
    new_callee: tuple[float, float]  # Beta(a, b): chance that a call goes to a number not called before
    pool: float  # contacts a person calls again (only where new_callee is low)
    outgoing: tuple[float, float]  # Beta(a, b): share of the line's calls that it makes
    answer: tuple[float, float]  # Beta(a, b): share of calls made that are answered
    talk_s: float  # median length of an answered call
    talk_sigma: float
    life_days: float  # mean life of the number (exponential); 0: lives the whole window
    active_share: tuple[float, float]  # Beta(a, b): share of living days with calls
    hours: tuple[int, int]  # working hours (first, last)
    handsets: float  # mean extra handsets (Poisson)
    sms_per_day: float


KINDS: dict[str, Kind] = {
    "ordinary_light": Kind(1.3, 0.4, (2, 5), 8, (10, 10), (8, 2), 70, 1.0, 0, (1.2, 12), (7, 23), 0.05, 0.2),
    "ordinary": Kind(3.5, 0.6, (2, 6), 40, (10, 10), (8, 2), 75, 1.0, 0, (5, 2), (7, 23), 0.1, 0.5),
    "courier": Kind(50, 0.45, (8, 1.5), 60, (7, 3), (7, 3), 22, 0.6, 0, (9, 2), (8, 20), 0.05, 2),
    "sales": Kind(25, 0.45, (3, 4), 150, (8, 2), (6, 3), 90, 0.8, 0, (8, 2), (9, 19), 0.1, 3),
    "agent": Kind(35, 0.5, (6, 3), 120, (8, 1.8), (5, 4), 45, 0.8, 0, (8, 2), (9, 20), 0.1, 3),
    "service": Kind(12, 0.6, (4, 3), 80, (2, 8), (8, 2), 150, 0.8, 0, (9, 1.5), (8, 21), 1.5, 1),
    "scam_line": Kind(25, 0.8, (14, 1.5), 10, (14, 1.2), (4, 5), 50, 1.0, 6.6, (6, 1.5), (8, 22), 0.3, 0.3),
    "slow_dialer": Kind(60, 0.45, (12, 1.5), 10, (20, 1), (4, 6), 25, 0.8, 20, (5, 2), (9, 18), 0.3, 1),
    "ai_dialer": Kind(400, 0.9, (30, 1), 10, (40, 0.6), (3, 7), 15, 0.7, 4, (8, 1), (9, 20), 3, 0.5),
    "sms_blaster": Kind(0.8, 1.0, (10, 2), 10, (12, 2), (4, 5), 30, 1.0, 3, (8, 1), (8, 22), 0.5, 600),
}

_MAX_SIMULATED_CALLS = 4000  # beyond this, durations and hours come from a sample of the calls


def _line(rng: np.random.Generator, kind: Kind, window: int) -> dict[str, float]:
    life = window if kind.life_days == 0 else max(1, min(window, int(np.ceil(rng.exponential(kind.life_days)))))
    active_days = max(1, int(rng.binomial(life, rng.beta(*kind.active_share))))
    per_day = kind.calls_per_day * rng.lognormal(0.0, kind.calls_sigma)
    calls = int(rng.poisson(per_day * active_days))
    out_share = rng.beta(*kind.outgoing)
    # calls received in the same window, so that made / (made + received) is the line's share
    received = int(rng.poisson(max(calls, 1) * (1 - out_share) / max(out_share, 0.01)))
    sms = int(rng.poisson(kind.sms_per_day * active_days * rng.lognormal(0.0, 0.6)))
    row: dict[str, float] = {
        "calls": float(calls),
        "active_days": float(active_days),
        "sms_sent": float(sms),
        "handsets": float(1 + rng.poisson(kind.handsets)) if calls else np.nan,
    }
    row["outgoing_share"] = calls / (calls + received) if calls + received else np.nan
    if calls == 0:
        row.update(distinct_callees=0.0, calls_per_callee=np.nan, mean_duration_s=np.nan,
                   median_duration_s=np.nan, active_hours=0.0)
        return row
    # callees: a new number with chance p, else a repeat drawn from the contacts so far (people
    # favour a few contacts heavily: Zipf-like weights over a small pool)
    p_new = rng.beta(*kind.new_callee)
    is_new = rng.random(calls) < p_new
    is_new[0] = True
    pool = max(2, int(kind.pool * rng.lognormal(0.0, 0.5)))
    new_count = int(is_new.sum())
    distinct = new_count if p_new > 0.5 else min(new_count, pool)
    row["distinct_callees"] = float(distinct)
    row["calls_per_callee"] = calls / distinct
    n = min(calls, _MAX_SIMULATED_CALLS)
    answered = rng.random(n) < rng.beta(*kind.answer)
    talk = rng.lognormal(np.log(kind.talk_s * rng.lognormal(0.0, 0.3)), kind.talk_sigma, n)
    dur = np.where(answered, np.maximum(np.round(talk), 1), 0.0)
    row["mean_duration_s"] = float(dur.mean())
    row["median_duration_s"] = float(np.median(dur))
    first, last = kind.hours
    hours = np.clip(np.round(rng.triangular(first - 1, (first + last) / 2, last + 1, n)), 0, 23)
    row["active_hours"] = float(len(np.unique(hours)))
    return row


def generate(
    n: int = 6000,
    *,
    seed: int = 7,
    window_days: int = 30,
    mix: dict[str, float] | None = None,
    missing_cells: float = 0.02,
) -> pd.DataFrame:
    """`n` numbers with `number`, `kind`, `label` (1 harmful) and the ten feature columns.

    A share `missing_cells` of feature cells is blanked at random (exports lose cells); drop
    whole columns afterwards to test missing features.
    """
    rng = np.random.default_rng(seed)
    weights = mix or DEFAULT_MIX
    names = list(weights)
    probs = np.array([weights[k] for k in names], dtype=float)
    kinds = rng.choice(names, size=n, p=probs / probs.sum())
    rows = [_line(rng, KINDS[k], window_days) for k in kinds]
    frame = pd.DataFrame(rows, columns=list(FEATURES)).astype("float64")
    if missing_cells > 0:
        holes = rng.random(frame.shape) < missing_cells
        frame = frame.mask(holes)
    frame.insert(0, "label", np.isin(kinds, list(HARMFUL)).astype(np.int64))
    frame.insert(0, "kind", kinds)
    frame.insert(0, "number", [f"+86170{seed % 100:02d}{i:06d}" for i in range(n)])
    return frame
