"""The legal catalog (qinglian/laws/laws.yaml): provisions, their text versions and which one is in force.

Loaded through a strict schema: an unknown or misspelt key is an error, not silently dropped.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from qinglian.errors import QinglianError

CATALOG_PATH = Path(__file__).resolve().parent / "laws.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Verified = Literal["official", "text", "secondary", "unchecked"]
"""How a version's article number and summary were checked.

- ``official``: against the official gazette / NPC database text;
- ``text``: against a full text of that version in a public copy named in ``source``;
- ``secondary``: against secondary material (commentaries, news, partial quotes) named in ``source``;
- ``unchecked``: not checked against any text.
"""


class Version(_Strict):
    text_version: str
    article: str
    effective: date
    summary: str
    verified: Verified
    source: str | None = None  # where it was checked (URL or repository/path@commit)
    # the sanction this text attaches to a breach (its penalty article and range), for charges
    penalty: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Version:
        if self.verified != "unchecked" and not (self.source or "").strip():
            raise ValueError(f"{self.article}: verified: {self.verified} needs a source")
        return self


class Provision(_Strict):
    id: str
    law: str
    law_en: str
    topic: str
    versions: tuple[Version, ...]

    @model_validator(mode="after")
    def _ordered(self) -> Provision:
        if not self.versions:
            raise ValueError(f"{self.id}: no versions")
        dates = [v.effective for v in self.versions]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError(f"{self.id}: versions must be in order of effective date")
        return self

    def in_force(self, on: date | None = None) -> Version:
        """The text version in force on a date (today when none); before the first, the first."""
        on = on or date.today()
        chosen = self.versions[0]
        for v in self.versions:
            if v.effective <= on:
                chosen = v
        return chosen

    def cite(self, on: date | None = None) -> str:
        """A citation such as ``中华人民共和国反不正当竞争法（2025）第九条``."""
        v = self.in_force(on)
        return f"{self.law}（{v.text_version}）{v.article}"


class Catalog(_Strict):
    catalog_version: str
    provisions: tuple[Provision, ...]

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        ids = [p.id for p in self.provisions]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate provision ids: {sorted(dup)}")
        return self

    def get(self, provision_id: str) -> Provision:
        for p in self.provisions:
            if p.id == provision_id:
                return p
        raise KeyError(provision_id)

    def ids(self) -> set[str]:
        return {p.id for p in self.provisions}


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Read and validate a catalog file; problems become a QinglianError naming the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Catalog.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise QinglianError(
            f"法律条文目录无效：{exc}",
            f"the legal catalog is invalid: {exc}",
            file=str(path),
        ) from exc


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The packaged catalog, loaded once."""
    return load_catalog()


def cite(provision_id: str, on: date | None = None) -> str:
    return catalog().get(provision_id).cite(on)
