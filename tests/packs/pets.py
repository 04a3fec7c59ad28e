"""A small industry pack written by a test, to show that a pack is data read from another folder."""

from __future__ import annotations

from pathlib import Path

import pytest

PETS_PACK = """
name: pets
zh: 宠物
en: pet shops
party_zh: 宠物店
party_en: pet shop
vocabulary: [宠物, 猫粮]
rules:
  - id: cure_all
    label: false_promise
    weight: 5.0
    laws: [adlaw.28]
    doc: 'The text promises a pet medicine cures everything.'
    keywords: [包治百病, 保证治愈]
headers:
  customers:
    address: [宠物医院地址]
conducts:
  false_promise:
    zh: 在宠物用品营销中作虚假承诺
    en: false promises in pet marketing
"""


def add_pets_pack(folder: Path, monkeypatch: pytest.MonkeyPatch, text: str = PETS_PACK) -> None:
    """Write the pack as ``folder/pets/pack.yaml`` and name ``folder`` in QINGLIAN_PACK_DIRS."""
    (folder / "pets").mkdir(parents=True)
    (folder / "pets" / "pack.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("QINGLIAN_PACK_DIRS", str(folder))
