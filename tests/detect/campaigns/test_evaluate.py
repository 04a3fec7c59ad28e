from __future__ import annotations

from pathlib import Path

import pytest

from qinglian.training.campaigns_eval import evaluate_demo, main, score
from qinglian.training.campaigns_synth import generate


def _rows_and_truth(n: int) -> tuple[list[tuple[str, int, str, str | None]], dict[tuple[str, int], str]]:
    texts, truth = generate(n, n_campaigns=12, seed=5)
    rows: list[tuple[str, int, str, str | None]] = [
        ("log.csv", i + 2, text, f"acct{truth[i] % 3}") for i, text in enumerate(texts)
    ]
    labels = {("log.csv", i + 2): f"c{t}" for i, t in enumerate(truth)}
    return rows, labels


def test_score_on_known_campaigns() -> None:
    rows, truth = _rows_and_truth(600)
    rows.append(("log.csv", 9999, "退订", None))
    truth[("log.csv", 9999)] = "reply"
    result = score(rows, truth)
    assert result["scored_rows"] == 600  # the reply is left out
    assert result["true_campaigns"] == 12
    assert result["ari"] >= 0.95 and result["purity"] >= 0.97
    assert all(c["accounts"] for c in result["campaigns"])


def test_a_wrong_truth_scores_low() -> None:
    rows, truth = _rows_and_truth(400)
    shuffled = {k: f"c{i % 12}" for i, k in enumerate(truth)}
    assert score(rows, shuffled)["ari"] < 0.2


def test_missing_labels_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 2
    assert "sms_campaign_labels.csv" in capsys.readouterr().err
    with pytest.raises(Exception, match="labels"):
        evaluate_demo(tmp_path)
