"""Campaign clustering benchmark: generated SMS campaigns with realistic variation.

Generates N messages from K campaign templates (names, amounts, links, numbers and dates
filled per message; wording variants; spacing, symbol and full-width tricks; signatures
per account), clusters them with ``cluster_texts`` and prints seconds, msgs/s and peak
RSS of the clustering (generation is timed apart), and the adjusted Rand index and
template purity against the known campaigns.
Target (2-core machine): 1,000,000 messages in <= 120 s, peak RSS <= 4 GB.

    python bench/campaigns.py [--messages 1000000] [--campaigns 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from qinglian.detect.campaigns import adjusted_rand, cluster_texts, inverse_purity, purity
from qinglian.training.campaigns_synth import generate


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--campaigns", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    t0 = time.perf_counter()
    texts, truth = generate(args.messages, n_campaigns=args.campaigns, seed=args.seed)
    gen_s = time.perf_counter() - t0
    rss_before = _rss_mb()

    t0 = time.perf_counter()
    result = cluster_texts(texts)
    seconds = time.perf_counter() - t0
    peak = _rss_mb()

    out = {
        "messages": args.messages,
        "true_campaigns": len(set(truth)),
        "found_campaigns": int((result.sizes >= 2).sum()),
        "singletons": int((result.sizes == 1).sum()),
        "seconds": round(seconds, 2),
        "msgs_per_s": round(args.messages / seconds),
        "peak_rss_mb": round(peak),
        "rss_after_generation_mb": round(rss_before),
        "generation_s": round(gen_s, 1),
        "ari": round(adjusted_rand(truth, result.labels), 4),
        "purity": round(purity(truth, result.labels), 4),
        "inverse_purity": round(inverse_purity(truth, result.labels), 4),
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    print(
        f"{args.messages:,} messages clustered in {seconds:.1f} s ({out['msgs_per_s']:,} msgs/s), "
        f"peak RSS {peak / 1024:.2f} GB; ARI {out['ari']}, purity {out['purity']} "
        f"(target: <= 120 s, <= 4 GB)"
    )


if __name__ == "__main__":
    main()
