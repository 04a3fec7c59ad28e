"""The 2017 interpretation's thresholds (50 / 500 / 5,000) and the category mapping, from
qinglian/data/pi_thresholds.yaml through a strict schema."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from qinglian.errors import QinglianError
from qinglian.i18n import t


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    zh: str
    en: str
    effective: date


class Tier(_Strict):
    threshold: int
    clause: str
    zh: str
    en: str

    @property
    def label(self) -> str:
        return t(self.zh, self.en)


class Category(_Strict):
    zh: str
    en: str
    tier: int
    legal_class: str
    basis: str

    @property
    def label(self) -> str:
        return t(self.zh, self.en)


class PIThresholds(_Strict):
    version: int
    source: Source
    especially_serious_multiplier: int
    tiers: tuple[Tier, ...]
    categories: dict[str, Category]

    @model_validator(mode="after")
    def _consistent(self) -> PIThresholds:
        known = {tier.threshold for tier in self.tiers}
        if len(known) != len(self.tiers) or any(n <= 0 for n in known):
            raise ValueError("tier thresholds must be positive and distinct")
        for name, cat in self.categories.items():
            if cat.tier not in known:
                raise ValueError(f"category {name!r} has tier {cat.tier}, which is not a listed tier")
        if self.especially_serious_multiplier <= 1:
            raise ValueError("especially_serious_multiplier must be greater than 1")
        return self

    def tier(self, threshold: int) -> Tier:
        return next(x for x in self.tiers if x.threshold == threshold)

    def tier_of(self, category: str) -> int:
        return self.categories[category].tier


def load_pi_thresholds(path: Path | None = None) -> PIThresholds:
    """Load and validate the thresholds file (the packaged one unless ``path`` is given)."""
    origin = str(path) if path else "qinglian/data/pi_thresholds.yaml"
    try:
        if path is None:
            text = resources.files("qinglian.data").joinpath("pi_thresholds.yaml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return PIThresholds.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        problems = "; ".join(
            ".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in exc.errors()[:5]
        )
        raise _malformed(origin, problems) from exc
    except (yaml.YAMLError, ValueError, OSError) as exc:
        raise _malformed(origin, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc


def _malformed(origin: str, problems: str) -> QinglianError:
    return QinglianError(
        "个人信息数量标准文件格式错误",
        "the PI thresholds file is malformed",
        file=origin,
        hint_zh="按 pi_thresholds.yaml 顶部注释修正：" + problems,
        hint_en="fix it as the comments in pi_thresholds.yaml describe: " + problems,
    )


@lru_cache(maxsize=1)
def default_thresholds() -> PIThresholds:
    return load_pi_thresholds()
