"""Ground truth for cross-region referral: the vendor's accounts per province (its account
table's 省份 column) and the consumers the upstream accounts reached per province of the
number's 归属地 — numbers the vendor's dialer accounts called and the SMS platform's accounts
texted (the platform keeps no account table: its accounts have no province).

归属地 is by definition what phonenumbers' prefix tables say, so the truth reads them per number
here (``lookup_prefix``), independently of the prefix table ingest builds and the joins over it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.ingest.phones import lookup_prefix


def _distinct(parts: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate([p.astype(np.int64) for p in parts])) if parts else np.empty(0, np.int64)


def record_truth(ctx: Ctx) -> None:
    """Needs the account table written and every dialer and SMS export's numbers in ``ctx``."""
    called = _distinct(ctx.called)
    reached = _distinct([called, *ctx.texted])
    prefixes, per_prefix = np.unique(reached // 10_000, return_counts=True)
    consumers: Counter[str] = Counter()
    unknown = 0
    for prefix, n in zip(prefixes.tolist(), per_prefix.tolist(), strict=True):
        province = lookup_prefix(str(prefix))[0]
        if province is None:
            unknown += int(n)
        else:
            consumers[province] += int(n)
    ctx.truth["regions"] = {
        "note": "accounts: the vendor's account table per 省份 as written; consumers: distinct numbers "
        "the vendor's accounts called or the platform's accounts texted, per province of their 归属地 "
        "(phonenumbers' names, e.g. 广西); numbers whose prefix has no 归属地 are in consumers_unknown; "
        "the platform's accounts are in no account table and have no region",
        "accounts": dict(ctx.truth["vendor"]["accounts_by_province"]),
        "platform_accounts": sorted(ctx.truth.get("sms_accounts", {})),
        "consumers": dict(sorted(consumers.items())),
        "consumers_unknown": unknown,
        "consumers_total": int(reached.size),
        "consumers_called": int(called.size),
    }
