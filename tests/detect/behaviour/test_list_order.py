from __future__ import annotations

import numpy as np
import pandas as pd

from qinglian.detect.behaviour.list_order import _ranks, list_order


def test_ranks_average_ties_like_pandas() -> None:
    rng = np.random.default_rng(3)
    for values in (rng.integers(0, 5, 40), rng.integers(0, 1000, 40), np.array([2.0, np.nan, 2.0, 1.0])):
        expected = pd.Series(values).rank(method="average").to_numpy()
        np.testing.assert_array_equal(_ranks(values), expected)


def test_each_list_and_account_is_scored_from_its_rows_in_list_order() -> None:
    pairs = pd.DataFrame(
        {
            "evidence_sha256": ["b"] * 4 + ["a"] * 3 + ["a"],
            "sheet": ["", "", "", "", "s", "s", "s", "s"],
            "account": ["x", "x", "x", "x", "y", "y", "y", "z"],
            "row_no": [4, 2, 3, 1, 1, 2, 3, 1],
            "t": [40, 20, 30, 10, 30, 20, 10, 5],
            "list_rows": [5, 5, 5, 5, 3, 3, 3, 3],
        }
    )
    out = list_order(pairs, 2)
    assert out[["evidence_sha256", "account", "dialled"]].values.tolist() == [["b", "x", 4], ["a", "y", 3]]
    assert pd.isna(out["sheet"].iloc[0]) and out["sheet"].iloc[1] == "s"  # a CSV list has no sheet
    first = out.iloc[0]
    assert first["spearman"] == 1.0 and first["longest_run"] == 4 and first["coverage"] == 0.8
    assert (first["run_first_row"], first["run_last_row"]) == (1, 4)
    second = out.iloc[1]
    assert second["spearman"] == -1.0 and second["longest_run"] == 1
