from __future__ import annotations

from pathlib import Path

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
