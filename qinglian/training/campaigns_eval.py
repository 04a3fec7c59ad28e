"""Campaign quality on the demo case: adjusted Rand index and template purity against its ground truth.

    python -m qinglian.training.campaigns_eval DEMO_DIR [--case CASE] [--json]

DEMO_DIR is a folder written by the demo generator (``manifest.json``, ``ground_truth.json``
and ``sms_campaign_labels.csv``: the true campaign of every SMS-log row). The SMS rows are
read from ``--case``, else from ``DEMO_DIR/case`` when the demo was ingested there, else the
demo's SMS files are ingested into a temporary case. 退订 replies (campaign ``reply``) are
consumers' messages, not a campaign's, and are left out of the scores.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from qinglian.detect.campaigns.cluster import cluster_texts
from qinglian.detect.campaigns.metrics import adjusted_rand, inverse_purity, purity
from qinglian.errors import QinglianError
from qinglian.store.case import Case, open_case

LABELS_FILE = "sms_campaign_labels.csv"
REPLY = "reply"


def _truth_labels(demo_dir: Path) -> dict[tuple[str, int], str]:
    path = demo_dir / LABELS_FILE
    if not path.is_file():
        raise QinglianError(
            "演示目录中没有短信活动标注文件",
            "the demo folder has no SMS campaign labels",
            file=str(path),
            hint_zh="用 qinglian demo 重新生成演示目录",
            hint_en="regenerate the demo with qinglian demo",
        )
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["file"], int(r["row_no"])): r["campaign"] for r in csv.DictReader(fh)}


def _ingest_sms(demo_dir: Path, root: Path) -> Case:
    from qinglian.demo.manifest import Manifest
    from qinglian.ingest.api import IngestOptions, ingest_files
    from qinglian.store.case import init_case

    manifest = Manifest.load(demo_dir)
    case = init_case(root, "campaign evaluation", None, user="evaluate")
    for entry in manifest.entries:
        if entry.kind == "sms":
            opts = IngestOptions(holder=entry.holder, site=entry.site, kind="sms", user="evaluate")
            ingest_files(case, [manifest.path(entry)], opts)
    return case


def _rows(case: Case) -> list[tuple[str, int, str, str | None]]:
    with case.connect(read_only=True) as con:
        rows = con.execute(
            """SELECT e.file_name, s.row_no, coalesce(s.content, ''), s.account
               FROM sms s JOIN evidence e ON e.sha256 = s.evidence_sha256
               ORDER BY e.file_name, s.row_no"""
        ).fetchall()
    return [(str(f), int(r), str(c), a) for f, r, c, a in rows]


def score(rows: list[tuple[str, int, str, str | None]], truth: dict[tuple[str, int], str]) -> dict[str, Any]:
    """Cluster every SMS row; score the rows that belong to a true campaign."""
    clustering = cluster_texts([r[2] for r in rows])
    labels = clustering.labels
    keep = [i for i, r in enumerate(rows) if truth.get((r[0], r[1]), REPLY) != REPLY]
    y_true = [truth[(rows[i][0], rows[i][1])] for i in keep]
    y_pred = labels[np.array(keep, dtype=np.int64)] if keep else np.empty(0, dtype=np.int64)
    per_campaign = []
    for key in sorted(set(y_true)):
        idx = [i for i, y in zip(keep, y_true, strict=True) if y == key]
        found = Counter(int(labels[i]) for i in idx)
        best, n = found.most_common(1)[0]
        in_best = [i for i in range(len(rows)) if labels[i] == best]
        per_campaign.append(
            {
                "campaign": key,
                "messages": len(idx),
                "found_as": int(best),
                "share_in_found": round(n / len(idx), 4),
                "found_size": len(in_best),
                "template": clustering.templates[best] if best >= 0 else None,
                "accounts": sorted({a for i in idx if (a := rows[i][3])}),
                "found_accounts": sorted({a for i in in_best if (a := rows[i][3])}),
            }
        )
    return {
        "sms_rows": len(rows),
        "scored_rows": len(keep),
        "unlabelled_rows": sum(1 for r in rows if (r[0], r[1]) not in truth),
        "true_campaigns": len(set(y_true)),
        "found_campaigns": len(set(y_pred.tolist())),
        "ari": round(adjusted_rand(y_true, y_pred), 4),
        "purity": round(purity(y_true, y_pred), 4),
        "inverse_purity": round(inverse_purity(y_true, y_pred), 4),
        "campaigns": per_campaign,
    }


def evaluate_demo(demo_dir: Path, case_dir: Path | None = None) -> dict[str, Any]:
    """ARI, purity and per-campaign findings of the campaign clustering on a demo folder."""
    demo_dir = Path(demo_dir)
    truth = _truth_labels(demo_dir)
    if case_dir is None and (demo_dir / "case" / "case.toml").is_file():
        case_dir = demo_dir / "case"
    if case_dir is not None:
        return score(_rows(open_case(Path(case_dir))), truth)
    with tempfile.TemporaryDirectory() as tmp:
        return score(_rows(_ingest_sms(demo_dir, Path(tmp) / "case")), truth)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("demo_dir", type=Path)
    ap.add_argument(
        "--case", type=Path, default=None, help="an ingested case of the demo (default: DEMO_DIR/case)"
    )
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = ap.parse_args(argv)
    try:
        result = evaluate_demo(args.demo_dir, args.case)
    except QinglianError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(
        f"SMS rows {result['sms_rows']}, scored {result['scored_rows']} (replies and unlabelled left out); "
        f"true campaigns {result['true_campaigns']}, found {result['found_campaigns']}"
    )
    print(f"ARI {result['ari']}  purity {result['purity']}  inverse purity {result['inverse_purity']}")
    for c in result["campaigns"]:
        same = "=" if c["accounts"] == c["found_accounts"] else "≠"
        print(
            f"  {c['campaign']}: {c['messages']} msgs, {c['share_in_found']:.1%} in one found campaign "
            f"of {c['found_size']}; accounts {same} truth; {c['template']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
