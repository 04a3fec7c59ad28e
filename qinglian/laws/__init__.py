"""The legal catalog: provisions, their text versions and which one was in force at a date.

Every stage cites provisions by id from ``laws.yaml``; ``catalog()`` loads it once.
"""

from qinglian.laws.catalog import CATALOG_PATH, Catalog, catalog, load_catalog

__all__ = ["CATALOG_PATH", "Catalog", "catalog", "load_catalog"]
