"""PI inventory: personal information in a case, counted by data subject and category against
the thresholds of the 2017 judicial interpretation (50 / 500 / 5,000)."""

from __future__ import annotations

from qinglian.detect.pi.inventory import pi_inventory, run_pi
from qinglian.detect.pi.model import FileCounts, HolderInventory, Inventory, TierMark
from qinglian.detect.pi.render import inventory_json, print_inventory

__all__ = [
    "FileCounts",
    "HolderInventory",
    "Inventory",
    "TierMark",
    "inventory_json",
    "pi_inventory",
    "print_inventory",
    "run_pi",
]
