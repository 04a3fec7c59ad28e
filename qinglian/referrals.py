"""Cross-region referral as one step, like the stages of ``pipeline``: the upstream accounts by
region (``link.referrals``), one packet per region (``report.referral``), a custody entry."""

from __future__ import annotations

from collections.abc import Callable

from qinglian.link.referrals import referrals as by_region
from qinglian.report.referral import FOLDER, FORMATS, ReferralRun, charge_provisions, write_packets
from qinglian.store.case import Case
from qinglian.store.evidence import sha256_file

Progress = Callable[[str, int, int | None], None]


def _no_progress(step: str, done: int, total: int | None) -> None:
    """Progress nobody watches."""


def referrals(case: Case, *, region: str | None = None, formats: tuple[str, ...] = FORMATS,
              user: str | None = None, progress: Progress = _no_progress) -> ReferralRun:
    """The upstream accounts grouped by region, with a packet per region in CASE/reports/referrals/.

    Raises QinglianError for a case without ranked upstreams or accounts, and for an unknown region."""
    meta = case.meta()
    folder = case.reports_dir / FOLDER
    step = "referrals"
    progress(step, 0, None)
    with case.connect(read_only=True) as con:
        ref = by_region(con, region)
        progress(step, 0, len(ref.regions))
        provisions = charge_provisions(con, [c for r in ref.regions for c in r.charges])
        packets = write_packets(con, ref, folder, case_name=str(meta.get("name", case.root.name)),
                                agency=str(meta.get("agency", "") or ""), formats=formats, provisions=provisions,
                                progress=lambda done, total: progress(step, done, total))
    with case.connect() as con:
        case.log(
            "referrals",
            {"region": region, "formats": list(formats)},
            user=user,
            details={
                "regions": {r.region: {"accounts": len(r.accounts), "consumers": r.consumers} for r in ref.regions},
                "outputs": [{"file": f"{FOLDER}/{p.name}", "sha256": sha256_file(p)}
                            for packet in packets for p in packet.paths],
            },
            con=con,
            tables=[],
        )
    return ReferralRun(ref, packets, folder, provisions)
