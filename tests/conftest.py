from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, which CI lays beside the checkout; fail loudly if it is missing."""
    assert SHARED_DATA.is_dir(), f"shared data not found at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture()
def case_dir(tmp_path: Path) -> Path:
    from qinglian.store.case import init_case

    root = tmp_path / "case"
    init_case(root, "测试案件", "测试局", user="tester")
    return root


# The small generated demo case that the contract and end-to-end tests share: every stage run once.
PIPELINE_SCALE = 0.05


@pytest.fixture(scope="session")
def pipeline_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``run_demo`` at a small scale through every stage (HTML report only: the PDF adds minutes)."""
    from qinglian.demo.run import run_demo

    out = tmp_path_factory.mktemp("pipeline") / "demo"
    return run_demo(out, seed=7, scale=PIPELINE_SCALE, user="tester", formats=("html",))
