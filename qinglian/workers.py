"""Helper processes for CPU-bound work over many texts: how many to use, and a pool that starts clean."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def worker_count() -> int:
    """Processes for CPU-bound work: the cores this process may use (QINGLIAN_WORKERS overrides)."""
    wanted = os.environ.get("QINGLIAN_WORKERS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def spawn_pool(helpers: int) -> ProcessPoolExecutor:
    """``helpers`` processes started by spawn, not fork: the caller may hold DuckDB's and pyarrow's threads."""
    return ProcessPoolExecutor(helpers, mp_context=multiprocessing.get_context("spawn"))
