"""The one quoting helper for SQL identifiers. Values always go in as parameters."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB/Spark SQL; rejects NUL, doubles embedded quotes."""
    if "\x00" in name:
        raise ValueError("identifier contains NUL")
    return '"' + name.replace('"', '""') + '"'
