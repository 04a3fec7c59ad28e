"""Industry packs: the vocabulary, text rules, header synonyms, provisions and report wording of one
industry, as data (``qinglian/packs/<name>/pack.yaml``).

A case chooses its packs (``case init --pack``, stored in case.toml; ``loans`` when none is named).
The ``loans`` pack is the engine's built-in rule set (qinglian/detect/text/rules.py) and adds no
rules of its own, so a loans case gives exactly what the engine gave before packs existed. More
folders holding packs can be named in ``QINGLIAN_PACK_DIRS`` (paths separated by ``os.pathsep``).

This module only reads and checks the data; the text engine (qinglian.detect.text.packs), ingest's
header mapping and the charges stage (qinglian.charges.packs) use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from qinglian.errors import QinglianError
from qinglian.i18n import t

DEFAULT_PACKS: tuple[str, ...] = ("loans",)
BUILTIN_DIR = Path(__file__).resolve().parent
ENV_DIRS = "QINGLIAN_PACK_DIRS"
# the labels a pack rule may support: the detector labels (qinglian/labels.py), repeated here so that
# this module imports no stage
RULE_LABELS = ("marketing", "loan", "impersonation", "false_promise", "credit_packaging", "pi_exposure",
               "bribery", "fraud")
# the conducts whose wording a pack may give (codes of qinglian/charges/conduct.py)
CONDUCT_CODES = ("pi_unlawful", "pi_provide", "unsolicited", "after_refusal", "list_dialling", "profiling",
                 "impersonation", "false_promise", "false_publicity", "credit_packaging", "bribery", "fraud")
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class _RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    label: str
    weight: float
    doc: str
    laws: list[str] = []
    keywords: list[str] = []
    pattern: str | None = None
    requires: list[str] = []


class _ConductModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str
    en: str
    facts_zh: str | None = None  # "{n}" is the number of supporting rows
    facts_en: str | None = None
    provisions: list[str] = []  # cited beside the conduct's own provisions


class _PackModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    zh: str
    en: str
    party_zh: str
    party_en: str
    builtin_rules: bool = False
    vocabulary: list[str] = []
    rules: list[_RuleModel] = []
    headers: dict[str, dict[str, list[str]]] = {}
    provisions: list[str] = []
    conducts: dict[str, _ConductModel] = {}


@dataclass(frozen=True)
class PackRule:
    """A text rule of a pack; its id is prefixed with the pack's name ("real_estate.appreciation")."""

    id: str
    label: str
    weight: float
    laws: tuple[str, ...]
    doc: str
    keywords: tuple[str, ...] = ()
    pattern: str | None = None
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConductWording:
    zh: str
    en: str
    facts_zh: str | None
    facts_en: str | None
    provisions: tuple[str, ...]


@dataclass(frozen=True)
class Pack:
    name: str
    zh: str
    en: str
    party_zh: str
    party_en: str
    path: Path
    builtin_rules: bool = False
    vocabulary: tuple[str, ...] = ()
    rules: tuple[PackRule, ...] = ()
    headers: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    provisions: tuple[str, ...] = ()
    conducts: dict[str, ConductWording] = field(default_factory=dict)

    def cited(self) -> tuple[str, ...]:
        """Every provision id the pack points to: its list, its rules' and its conducts'."""
        ids = [*self.provisions, *(p for r in self.rules for p in r.laws),
               *(p for c in self.conducts.values() for p in c.provisions)]
        return tuple(dict.fromkeys(ids))


def pack_dirs() -> tuple[Path, ...]:
    """Where packs are looked for: QINGLIAN_PACK_DIRS first, then the packs shipped with qinglian."""
    extra = [Path(p) for p in os.environ.get(ENV_DIRS, "").split(os.pathsep) if p.strip()]
    return (*extra, BUILTIN_DIR)


def available(dirs: Sequence[Path] | None = None) -> tuple[str, ...]:
    """Names of every pack found, sorted."""
    names: set[str] = set()
    for d in dirs if dirs is not None else pack_dirs():
        if d.is_dir():
            names.update(p.parent.name for p in d.glob("*/pack.yaml"))
    return tuple(sorted(names))


def _bad(path: Path, zh: str, en: str) -> QinglianError:
    return QinglianError(f"行业包格式错误：{zh}", f"industry pack is invalid: {en}", file=str(path))


def _check_headers(path: Path, headers: dict[str, dict[str, list[str]]]) -> None:
    from qinglian.store.schema import FIELDS  # the record kinds are the store's contract

    for kind, fields in headers.items():
        if kind not in FIELDS:
            raise _bad(path, f"未知的记录类型 {kind}", f"unknown record kind {kind}")
        known = {f.name for f in FIELDS[kind]}
        for name in fields:
            if name not in known:
                raise _bad(path, f"{kind} 没有字段 {name}", f"{kind} has no field {name}")


def load_pack_file(path: Path) -> Pack:
    """Read and check one pack.yaml (unknown keys, labels, fields or conducts are errors)."""
    try:
        m = _PackModel.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError, OSError) as exc:
        raise _bad(path, str(exc), str(exc)) from exc
    # a pack's rule ids start with its name, so it may not be a label (the built-in rules' prefix)
    if not _NAME.match(m.name) or m.name != path.parent.name or m.name in RULE_LABELS:
        raise _bad(path, f"包名 {m.name} 须与目录名一致，且只用小写字母、数字、下划线",
                   f"the name {m.name} must equal its folder's and use a-z, 0-9 and _")
    rules: list[PackRule] = []
    seen: set[str] = set()
    for r in m.rules:
        if r.label not in RULE_LABELS:
            raise _bad(path, f"规则 {r.id} 的标签 {r.label} 未知", f"rule {r.id}: unknown label {r.label}")
        if not r.keywords and not r.pattern:
            raise _bad(path, f"规则 {r.id} 既无关键词也无正则", f"rule {r.id} has neither keywords nor a pattern")
        if r.pattern is not None:
            try:
                re.compile(r.pattern)
            except re.error as exc:
                raise _bad(path, f"规则 {r.id} 的正则无效：{exc}", f"rule {r.id}: invalid pattern: {exc}") from exc
        rid = f"{m.name}.{r.id}"
        if rid in seen:
            raise _bad(path, f"规则 {r.id} 重复", f"rule {r.id} is defined twice")
        seen.add(rid)
        rules.append(PackRule(rid, r.label, r.weight, tuple(r.laws), r.doc, tuple(r.keywords), r.pattern,
                              tuple(r.requires)))
    for code in m.conducts:
        if code not in CONDUCT_CODES:
            raise _bad(path, f"未知的违法行为类型 {code}", f"unknown conduct {code}")
    _check_headers(path, m.headers)
    conducts = {code: ConductWording(c.zh, c.en, c.facts_zh, c.facts_en, tuple(c.provisions))
                for code, c in m.conducts.items()}
    headers = {k: {f: tuple(v) for f, v in fs.items()} for k, fs in m.headers.items()}
    return Pack(m.name, m.zh, m.en, m.party_zh, m.party_en, path, m.builtin_rules, tuple(m.vocabulary),
                tuple(rules), headers, tuple(m.provisions), conducts)


@lru_cache(maxsize=64)
def _load(name: str, dirs: tuple[Path, ...]) -> Pack:
    for d in dirs:
        path = d / name / "pack.yaml"
        if path.is_file():
            return load_pack_file(path)
    names = "、".join(available(dirs)) or "-"
    raise QinglianError(
        f"没有名为 {name} 的行业包", f"there is no industry pack named {name}",
        hint_zh=f"可用的行业包：{names}", hint_en=f"available packs: {names.replace('、', ', ')}",
    )


def load_pack(name: str) -> Pack:
    """The pack called ``name`` from the first folder of pack_dirs() that has it."""
    return _load(name, pack_dirs())


def load_packs(names: Sequence[str]) -> tuple[Pack, ...]:
    """The packs of a case, in the order given, each once."""
    return tuple(load_pack(n) for n in dict.fromkeys(names))


def check_names(names: Sequence[str]) -> tuple[str, ...]:
    """The names, each once, after checking that every one is a pack (QinglianError otherwise)."""
    chosen = tuple(dict.fromkeys(n.strip() for n in names if n.strip())) or DEFAULT_PACKS
    load_packs(chosen)
    return chosen


def case_pack_names(meta: dict[str, Any]) -> tuple[str, ...]:
    """The packs a case's case.toml names (a case made before packs existed: loans)."""
    value = meta.get("packs")
    if not value:
        return DEFAULT_PACKS
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QinglianError("case.toml 的 packs 须为字符串列表", "packs in case.toml must be a list of strings")
    return tuple(value)


def describe(packs: Sequence[Pack]) -> str:
    """The packs for a message: "贷款中介（loans）、房产中介（real_estate）"."""
    return t("、".join(f"{p.zh}（{p.name}）" for p in packs), ", ".join(f"{p.en} ({p.name})" for p in packs))


def extra_rules(names: Sequence[str]) -> tuple[PackRule, ...]:
    """The rules the packs add to the engine's built-in ones (a built-in pack adds none)."""
    return tuple(r for p in load_packs(names) for r in p.rules)
