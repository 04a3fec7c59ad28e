"""Header mapping: the synonyms file (data, strict schema), header matching and kind detection."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from qinglian.errors import QinglianError
from qinglian.store.schema import FIELDS, KINDS

_STRICT = ConfigDict(extra="forbid")


def _header_file_model() -> type[BaseModel]:
    """version + kinds.<kind>.<field>: [synonyms]; unknown kinds or fields are errors."""
    kind_models: dict[str, Any] = {}
    for kind in KINDS:
        fields: dict[str, Any] = {f.name: (list[str], []) for f in FIELDS[kind]}
        kind_models[kind] = (create_model(f"Synonyms_{kind}", __config__=_STRICT, **fields), ...)
    kinds = create_model("Kinds", __config__=_STRICT, **kind_models)
    return create_model("HeaderFile", __config__=_STRICT, version=(int, ...), kinds=(kinds, ...))


HeaderFile = _header_file_model()


# Fields a kind must have before --kind auto may choose it.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "calls": (("callee",), ("started_at", "duration_s")),
    "sms": (("recipient",), ("content",)),
    "customers": (("phone", "id_number"), ("name", "address", "employer", "credit_info")),
    "chats": (("text",), ("sender", "chat")),
    "complaints": (("text",), ("complainant", "caller", "complaint_id")),
    "accounts": (("account",), ("customer", "seats", "opened_at")),
    "payments": (("amount",), ("payer", "payee")),
}

_BRACKETS = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_JUNK = re.compile(r"[\s:：*＊#_\-./、]+")


@lru_cache(maxsize=4096)  # the same header rows come back file after file
def normalise_header(header: str) -> str:
    """Compare headers ignoring width, case, spacing, punctuation and bracketed units."""
    h = unicodedata.normalize("NFKC", header).strip().lower()
    h = _BRACKETS.sub("", h)
    return _JUNK.sub("", h)


def load_synonyms(path: Path | None = None) -> dict[str, dict[str, list[str]]]:
    """Read a header-synonyms YAML file through the strict schema."""
    if path is None:
        text = resources.files("qinglian.data").joinpath("headers.yaml").read_text(encoding="utf-8")
        origin = "qinglian/data/headers.yaml"
    else:
        text = path.read_text(encoding="utf-8")
        origin = str(path)
    try:
        parsed = HeaderFile.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise QinglianError(
            f"表头映射文件格式错误：{exc}",
            f"header mapping file is invalid: {exc}",
            file=origin,
        ) from exc
    kinds = parsed.model_dump()["kinds"]
    return {k: {f: list(v) for f, v in kinds[k].items()} for k in KINDS}


@lru_cache(maxsize=8)
def _index(packs: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    """kind -> normalised synonym -> field; the synonyms of the industry ``packs`` come after the
    shipped ones, so they never take a header those map (a loans case maps as it always has)."""
    index: dict[str, dict[str, str]] = {}
    for kind, fields in load_synonyms().items():
        idx: dict[str, str] = {}
        for field, synonyms in fields.items():
            for s in [field, *synonyms]:
                idx.setdefault(normalise_header(s), field)
        index[kind] = idx
    if packs:
        from qinglian.packs import load_packs

        for pack in load_packs(packs):
            for kind, pfields in pack.headers.items():
                for field, words in pfields.items():
                    for s in words:
                        index[kind].setdefault(normalise_header(s), field)
    return index


def match_headers(kind: str, headers: list[str], overrides: dict[str, str] | None = None,
                  packs: tuple[str, ...] = ()) -> dict[int, str]:
    """Column index -> field for one kind; each field is taken by its first matching column. ``packs``:
    the case's industry packs, whose header synonyms are added."""
    idx = _index(packs)[kind]
    result: dict[int, str] = {}
    taken: set[str] = set()
    norm_overrides = {normalise_header(k): v for k, v in (overrides or {}).items()}
    for i, h in enumerate(headers):
        n = normalise_header(h)
        if n in norm_overrides:
            field = norm_overrides[n]
            if field in taken:
                continue
            result[i] = field
            taken.add(field)
    # the shipped synonyms first, over every column; a pack's only for the fields still free
    for index in (_index()[kind], idx) if packs else (idx,):
        for i, h in enumerate(headers):
            if i in result:
                continue
            found = index.get(normalise_header(h))
            if found and found not in taken:
                result[i] = found
                taken.add(found)
    return result


_VALUE = re.compile(
    r"\d{5,}"  # phone, ID, account or order numbers
    r"|^\s*\d{2,4}[-/.年]\d{1,2}"  # dates
    r"|^\s*[-+]?\d+(?:\.\d+)?\s*$"  # plain numbers
    r"|[^@\s]+@[^@\s]+\.[A-Za-z]"  # e-mail addresses
)


def looks_like_value(cell: str) -> bool:
    """Whether a cell reads as data (a number, a date, an address) rather than a column title."""
    return bool(_VALUE.search(unicodedata.normalize("NFKC", cell)))


def recognised_count(headers: list[str]) -> int:
    """How many headers any kind recognises (used to find the header row)."""
    idx = _index()
    norms = (normalise_header(h) for h in headers if h)  # once per header, not once per kind
    return sum(1 for n in norms if any(n in idx[k] for k in KINDS))


@dataclass(frozen=True)
class KindGuess:
    kind: str | None
    candidates: list[str]
    unrecognised: list[str]


def guess_kind(headers: list[str], overrides: dict[str, str] | None = None,
               packs: tuple[str, ...] = ()) -> KindGuess:
    """The kind whose required fields are present and which matches most headers, if unambiguous."""
    scores: dict[str, int] = {}
    for kind in KINDS:
        fields = set(match_headers(kind, headers, overrides, packs).values())
        if all(any(f in fields for f in group) for group in REQUIRED[kind]):
            scores[kind] = len(fields)
    idx = _index(packs)
    # Where a "header" reads as data it is named by its position: messages never show values.
    unrecognised = [
        f"#{i + 1}" if looks_like_value(h) else h
        for i, h in enumerate(headers)
        if h and not any(normalise_header(h) in idx[k] for k in KINDS)
    ]
    if not scores:
        return KindGuess(None, [], unrecognised)
    ranked = sorted(scores, key=lambda k: -scores[k])
    best = ranked[0]
    if len(ranked) > 1 and scores[ranked[1]] >= scores[best]:
        return KindGuess(None, ranked, unrecognised)
    return KindGuess(best, ranked, unrecognised)


def parse_overrides(pairs: list[str], kind: str | None) -> dict[str, str]:
    """--map 源列=field pairs, checked against the kind's fields."""
    result: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise QinglianError(
                f"--map 参数应为 源列=字段，收到：{pair}",
                f"--map takes SOURCE=field, got: {pair}",
                hint_zh="例如 --map 客户号码=callee",
                hint_en="for example --map 客户号码=callee",
            )
        src, field = (s.strip() for s in pair.split("=", 1))
        valid = {f.name for k in ([kind] if kind and kind != "auto" else KINDS) for f in FIELDS[k]}
        if field not in valid:
            raise QinglianError(
                f"--map 中的字段 {field} 不存在",
                f"--map names an unknown field {field}",
                hint_zh="可用字段：" + ", ".join(sorted(valid)),
                hint_en="known fields: " + ", ".join(sorted(valid)),
            )
        result[src] = field
    return result
