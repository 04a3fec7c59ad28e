"""SQL versions of the validators, for the column part of the inventory (DuckDB, vectorised).

Each builder takes an SQL expression for the input (built by the caller from quote_ident,
never from data) and returns an expression plus the parameters it needs, in order. The
constants come from qinglian.detect.pi.validators, so both versions change together.
"""

from __future__ import annotations

from typing import Any

from qinglian.detect.pi.validators import (
    EMPTY_VALUES,
    ID_CHECK_CHARS,
    ID_PROVINCES,
    ID_WEIGHTS,
    NAME_STOPWORDS,
)

Sql = tuple[str, list[Any]]


def _check_char(first17: str) -> str:
    """SQL for the GB 11643 check character of a 17-digit string expression."""
    terms = " + ".join(f"{w} * CAST(substr({first17}, {i + 1}, 1) AS INTEGER)" for i, w in enumerate(ID_WEIGHTS))
    return f"substr('{ID_CHECK_CHARS}', (({terms}) % 11) + 1, 1)"


def _birth_ok(yyyymmdd: str) -> str:
    born = f"try_strptime({yyyymmdd}, '%Y%m%d')"
    return f"({born} IS NOT NULL AND {born} >= TIMESTAMP '1900-01-01' AND {born} <= current_date)"


def id_key(value: str) -> Sql:
    """'id:' + the 18-character ID number (15-digit form converted), or NULL when not valid."""
    v = f"upper(trim(CAST({value} AS VARCHAR)))"
    first17_15 = f"(substr({v}, 1, 6) || '19' || substr({v}, 7, 9))"
    birth_15 = f"('19' || substr({v}, 7, 6))"
    sql = (
        "CASE"
        f" WHEN regexp_full_match({v}, '[0-9]{{17}}[0-9X]') AND list_contains(?, substr({v}, 1, 2))"
        f" AND {_birth_ok(f'substr({v}, 7, 8)')}"
        f" AND {_check_char(f'substr({v}, 1, 17)')} = substr({v}, 18, 1)"
        f" THEN 'id:' || {v}"
        f" WHEN regexp_full_match({v}, '[0-9]{{15}}') AND list_contains(?, substr({v}, 1, 2))"
        f" AND {_birth_ok(birth_15)}"
        f" THEN 'id:' || {first17_15} || {_check_char(first17_15)}"
        " END"
    )
    provinces = sorted(ID_PROVINCES)
    return sql, [provinces, provinces]


def phone_key(normalised: str, raw: str | None = None) -> Sql:
    """'tel:' + E.164 from ingest's normalised column; a mainland mobile left un-normalised in
    that column or in the raw column (when normalisation failed) is accepted too."""
    v = f"trim(CAST({normalised} AS VARCHAR))"
    sql = f"CASE WHEN regexp_full_match({v}, '\\+[1-9][0-9]{{6,14}}') THEN 'tel:' || {v}"
    for col in (normalised, raw):
        if col is None:
            continue
        r = f"regexp_replace(CAST({col} AS VARCHAR), '[\\s()-]', '', 'g')"
        sql += f" WHEN regexp_full_match({r}, '(\\+?86)?1[3-9][0-9]{{9}}') THEN 'tel:+86' || right({r}, 11)"
    return sql + " END", []


def plausible_name(value: str) -> Sql:
    v = f"trim(CAST({value} AS VARCHAR))"
    sql = (
        f"(regexp_full_match({v}, '\\p{{Han}}{{2,4}}|\\p{{Han}}{{1,6}}·\\p{{Han}}{{1,8}}|[A-Za-z][A-Za-z .''-]{{1,39}}')"
        f" AND NOT list_contains(?, {v}))"
    )
    return sql, [sorted(NAME_STOPWORDS)]


def has_content(value: str, min_len: int = 1) -> Sql:
    v = f"lower(trim(CAST({value} AS VARCHAR)))"
    return f"({v} IS NOT NULL AND length({v}) >= ? AND NOT list_contains(?, {v}))", [
        min_len,
        sorted(EMPTY_VALUES),
    ]
