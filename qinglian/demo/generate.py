"""Generate the seeded demo case: evidence files under files/, ground_truth.json, manifest.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from faker import Faker

from qinglian.demo import accounts, calls, chats, complaints, customers, payments, regions, sms
from qinglian.demo.context import INSPECTION_DAY, Ctx
from qinglian.demo.exports import write_csv
from qinglian.demo.ids import PhoneAllocator
from qinglian.demo.manifest import Manifest
from qinglian.demo.people import build_pool
from qinglian.demo.world import (
    CITY,
    COMPLAINT_CENTRE,
    DISTRICTS,
    PROVINCE,
    SMS_PLATFORM_NAME,
    VENDOR_NAME,
    build_world,
)

SMS_LABELS_FILE = "sms_campaign_labels.csv"
NOTICE = "演示数据：全部为程序生成的合成数据，人名、公司、号码、证件号均为虚构。"


def generate(out_dir: Path, seed: int = 7, scale: float = 1.0) -> Manifest:
    """Write the demo case for `seed` and `scale` into out_dir (files/, ground_truth.json, manifest.json).

    The same seed and scale give byte-identical files. out_dir/files must not exist yet.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    files = out_dir / "files"
    if files.exists():
        shutil.rmtree(files)
    files.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    phones = PhoneAllocator(rng)
    world = build_world(rng, fake)
    pool = build_pool(rng, fake, phones, customers.pool_size_needed(scale))
    ctx = Ctx(
        rng=rng, fake=fake, scale=scale, manifest=Manifest(out_dir), phones=phones, world=world, pool=pool
    )
    accounts.assign_accounts(ctx)
    customers.write_lists(ctx)
    accounts.write_accounts(ctx)
    calls.write_calls(ctx)
    sms.write_sms(ctx)
    regions.record_truth(ctx)
    chats.write_chats(ctx)
    payments.write_payments(ctx)
    complaints.write_complaints(ctx)
    (out_dir / "README.txt").write_text(NOTICE + "\n", encoding="utf-8")
    _write_truth(ctx, seed)
    ctx.manifest.write()
    return ctx.manifest


def _write_truth(ctx: Ctx, seed: int) -> None:
    w = ctx.world
    files_of: dict[str, list[str]] = {}
    for e in ctx.manifest.entries:
        files_of.setdefault(e.holder, []).append(e.name)
    consumers: dict[str, set[int]] = {}
    for lst in ctx.lists:
        consumers.setdefault(lst["holder"], set()).update(lst["idx"].tolist())
    holders = [
        {
            "name": h.name,
            "short": h.short,
            "district": h.district,
            "site": h.site,
            "violating": h.violating,
            "flags": sorted(h.flags),
            "labels": sorted(ctx.labels.get(h.name, set())),
            "accounts": h.accounts,
            "sms_accounts": h.sms_accounts,
            "signature": h.signature,
            "callers": h.callers,
            "boss": h.boss,
            "staff": h.staff,
            "files": files_of.get(h.name, []),
            "consumers_in_lists": len(consumers.get(h.name, ())),
        }
        for h in w.holders
    ]
    labels = write_csv(
        ctx.manifest.out_dir / SMS_LABELS_FILE,
        {
            "file": [x[0] for x in ctx.sms_labels],
            "row_no": np.array([x[1] for x in ctx.sms_labels], dtype=np.int64),
            "campaign": [x[2] for x in ctx.sms_labels],
        },
    )
    truth: dict[str, Any] = {
        "notice": NOTICE,
        "seed": seed,
        "scale": ctx.scale,
        "city": CITY,
        "province": PROVINCE,
        "inspection_day": str(INSPECTION_DAY),
        "violating_holders": [h.name for h in w.violating],
        "compliant_holders": [h.name for h in w.compliant],
        "districts": {d: [h.name for h in w.holders if h.district == d] for d in DISTRICTS},
        "holders": holders,
        "sms_platform": SMS_PLATFORM_NAME,
        "complaint_centre": COMPLAINT_CENTRE,
        **ctx.truth,
        "charges": intended_charges(ctx),
        "sms_campaign_labels": {
            "file": SMS_LABELS_FILE,
            "rows": labels.rows,
            "note": "one row per SMS-log row: evidence file, row_no as ingest counts it, "
            "campaign key (or 'reply' for 退订 replies)",
        },
        "vendor_name": VENDOR_NAME,
    }
    path = ctx.manifest.ground_truth_path
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1, default=_json_default), encoding="utf-8")


# scripts whose lines claim insider ties with banks (false publicity)
PARTNER_SCRIPTS = ("低息秒批话术", "公积金贷话术")


def intended_charges(ctx: Ctx) -> dict[str, Any]:
    """The charges the demo plants, per holder: conduct types of qinglian.charges.conduct.

    Compliant holders get none: they call and text customers who applied and consented, name
    themselves, offer an opt-out and stop after a refusal.
    """
    t = ctx.truth
    optout_after: dict[str, int] = {}
    for acc, stats in t.get("sms_optout", {}).items():
        owner = t["sms_accounts"][acc]
        optout_after[owner] = optout_after.get(owner, 0) + int(stats["sends_after_optout"])
    list_dialled = {p["holder"] for p in t.get("list_order_dialling", [])}
    out: dict[str, Any] = {}
    for h in ctx.world.holders:
        labels = ctx.labels.get(h.name, set())
        conducts: set[str] = set()
        if h.violating:
            conducts.add("pi_unlawful")
            if "robocall" in h.flags or "mass_sms" in h.flags:
                conducts.add("unsolicited")
            if t.get("calls_after_refusal", {}).get(h.name, 0) or optout_after.get(h.name, 0):
                conducts.add("after_refusal")
            if h.name in list_dialled:
                conducts.add("list_dialling")
            if "robocall" in h.flags:
                conducts.add("profiling")
            if t.get("scripts", {}).get(h.name) in PARTNER_SCRIPTS:
                conducts.add("false_publicity")
            if "bribery" in h.flags:
                conducts.add("bribery")
            conducts |= labels & {"impersonation", "false_promise", "credit_packaging"}
            if h.signature and h.short[:2] not in h.signature:  # an SMS signature in a bank unit's name
                conducts.add("impersonation")
        out[h.name] = {"violating": h.violating, "conducts": sorted(conducts)}
    return {
        "note": "conduct types (qinglian.charges.conduct) each holder's evidence is built to show; "
        "compliant holders must get no charge",
        "holders": out,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value))
