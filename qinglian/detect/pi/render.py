"""Text output of the PI inventory: one rich table per holder, masked unless revealed."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from qinglian.detect.pi.model import HolderInventory, Inventory
from qinglian.i18n import t


def _tier_line(inv: Inventory, h: HolderInventory) -> list[str]:
    lines = []
    mult = inv.thresholds.especially_serious_multiplier
    for m in h.tiers:
        tier = inv.thresholds.tier(m.threshold)
        if m.especially_serious:
            state = t(f"已达 {mult} 倍（情节特别严重）", f"{mult}× reached (especially serious)")
        elif m.crossed:
            state = t("已达标准（情节严重）", "threshold crossed (serious)")
        else:
            state = t("未达标准", "below threshold")
        lines.append(
            t(
                f"  {m.threshold} 条档（{tier.clause}）：{m.subjects} 人 — {state}",
                f"  {m.threshold} tier ({tier.clause}): {m.subjects} subjects — {state}",
            )
        )
    if h.combined_especially_serious:
        state = t("按比例合计已达 10 倍", "combined ratio at 10× or more")
    elif h.combined_crossed:
        state = t("按比例合计已达标准", "combined ratio crosses")
    else:
        state = t("按比例合计未达标准", "combined ratio below")
    lines.append(
        t(
            f"  按比例合计（第五条第一款第（六）项）：{h.combined:.2f} — {state}",
            f"  combined (Art. 5(1)(6)): {h.combined:.2f} — {state}",
        )
    )
    return lines


def _holder_table(inv: Inventory, h: HolderInventory, reveal: bool) -> Table:
    th = inv.thresholds
    table = Table(title=Text(t(f"{h.holder}：个人信息主体 {h.subjects} 人", f"{h.holder}: {h.subjects} data subjects")))
    table.add_column(t("类别", "category"), min_width=10)
    table.add_column(t("档位（条）", "tier"), justify="right")
    table.add_column(t("人数", "subjects"), justify="right")
    table.add_column(t("未归属", "unattributed"), justify="right")
    table.add_column(t("样例", "samples") + ("" if reveal else t("（已脱敏）", " (masked)")))
    for cat, n in sorted(h.categories.items(), key=lambda kv: (th.tier_of(kv[0]), kv[0])):
        table.add_row(
            Text(th.categories[cat].label),
            str(th.tier_of(cat)),
            str(n),
            str(h.unattributed.get(cat, 0)),
            Text("; ".join(h.sample_values(cat, reveal))),
        )
    return table


def _short(label: str) -> str:
    return label.split("（")[0].split(" (")[0]


def _files_table(inv: Inventory, h: HolderInventory) -> Table:
    th = inv.thresholds
    table = Table(title=Text(t("按证据文件", "by evidence file")))
    table.add_column(t("文件", "file"), overflow="fold")
    table.add_column("SHA-256", no_wrap=True)
    table.add_column(t("人数", "subjects"), justify="right", no_wrap=True)
    table.add_column(t("各类别人数", "subjects by category"))
    for f in h.files:
        cats = sorted(f.categories.items(), key=lambda kv: (th.tier_of(kv[0]), kv[0]))
        table.add_row(
            Text(f.file_name or "-"),
            f.evidence_sha256[:12],
            str(f.subjects),
            Text(t("；", "; ").join(f"{_short(th.categories[c].label)} {n}" for c, n in cats)),
        )
    return table


def print_inventory(inv: Inventory, console: Console, *, reveal: bool = False) -> None:
    if not inv.holders:
        console.print(t("未发现个人信息", "no personal information found"))
        return
    console.print(
        Text(
            t(
                f"依据：{inv.thresholds.source.zh}；计数单位为不重复的信息主体（身份证号或手机号）",
                f"Basis: {inv.thresholds.source.en}; counts are distinct data subjects (ID or phone number)",
            )
        )
    )
    for tier in inv.thresholds.tiers:
        console.print(Text(t(f"  {tier.threshold} 条：{tier.zh}", f"  {tier.threshold}: {tier.en}")))
    for h in inv.holders:
        console.print(_holder_table(inv, h, reveal))
        for line in _tier_line(inv, h):
            console.print(Text(line))
        if h.files:
            console.print(_files_table(inv, h))
    if reveal:
        console.print(t("已显示原始值；本次查看已记入保管日志", "raw values shown; this reveal is in the custody log"))


def inventory_json(inv: Inventory, *, reveal: bool = False) -> str:
    return json.dumps(inv.to_dict(reveal), ensure_ascii=False, indent=2)
