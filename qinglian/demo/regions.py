"""Ground truth for cross-region referral: the vendor's accounts per province (its account
table's 省份 column) and the consumers its accounts called per province of the number's 归属地.

归属地 is by definition what phonenumbers' prefix tables say, so the truth reads them per number
here (``lookup_prefix``), independently of the prefix table ingest builds and the joins over it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from qinglian.demo.context import Ctx
from qinglian.ingest.phones import lookup_prefix


def record_truth(ctx: Ctx) -> None:
    """Needs the account table written and every dialer export's numbers in ``ctx.dialled``."""
    called = np.unique(np.concatenate(ctx.dialled)) if ctx.dialled else np.empty(0, dtype=np.int64)
    prefixes, per_prefix = np.unique(called // 10_000, return_counts=True)
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
        "the vendor's accounts called, per province of their 归属地 (phonenumbers' names, e.g. 广西); "
        "numbers whose prefix has no 归属地 are counted in consumers_unknown",
        "accounts": dict(ctx.truth["vendor"]["accounts_by_province"]),
        "consumers": dict(sorted(consumers.items())),
        "consumers_unknown": unknown,
        "consumers_total": int(called.size),
    }
