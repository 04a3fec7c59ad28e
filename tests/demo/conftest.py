from __future__ import annotations

import pytest

from qinglian.demo import Manifest, generate

from .helpers import SMALL


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """The demo at a small scale, generated once for the session."""
    return generate(tmp_path_factory.mktemp("demo") / "out", seed=7, scale=SMALL)
