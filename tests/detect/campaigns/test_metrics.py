from __future__ import annotations

import pytest

from qinglian.detect.campaigns.metrics import adjusted_rand, inverse_purity, purity


def test_identical_groupings_score_one_whatever_the_names() -> None:
    assert adjusted_rand(["a", "a", "b", "b"], [7, 7, 3, 3]) == pytest.approx(1.0)
    assert purity(["a", "a", "b", "b"], [7, 7, 3, 3]) == 1.0


def test_merging_two_templates_lowers_purity_not_inverse_purity() -> None:
    truth = ["a", "a", "a", "b"]
    merged = [0, 0, 0, 0]
    assert purity(truth, merged) == pytest.approx(0.75)
    assert inverse_purity(truth, merged) == 1.0
    assert adjusted_rand(truth, merged) == pytest.approx(0.0)


def test_splitting_a_template_lowers_inverse_purity() -> None:
    truth = ["a", "a", "a", "a"]
    split = [0, 0, 0, 1]
    assert purity(truth, split) == 1.0
    assert inverse_purity(truth, split) == pytest.approx(0.75)
