from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qinglian.cli import run
from qinglian.detect.behaviour import trained as tr
from qinglian.errors import QinglianError
from qinglian.training.callers_synth import FEATURES, generate


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    return generate(700, seed=3, window_days=30)


@pytest.fixture(scope="module")
def model(labelled: pd.DataFrame) -> tr.TrainedModel:
    return tr.fit(labelled, labelled["label"].to_numpy(), folds=3)


def test_exported_trees_predict_as_sklearn_and_contributions_add_up(labelled: pd.DataFrame) -> None:
    names = list(tr.MODEL_FEATURES)
    X = tr.model_matrix(labelled, names)
    clf = tr._classifier([tr.MODEL_FEATURES[n] for n in names], 7).fit(X, labelled["label"].to_numpy())
    baseline, trees = tr._export(clf)
    exported = tr.TrainedModel(names, baseline, trees, 0.5)
    other = tr.model_matrix(generate(300, seed=11, window_days=30), names)
    other[:40, names.index("outgoing_share")] = np.nan  # missing where training had few gaps
    other[40:45, :] = np.nan
    contrib = np.zeros_like(other)
    raw = exported.raw(other, contrib)
    assert np.allclose(1 / (1 + np.exp(-raw)), clf.predict_proba(other)[:, 1], rtol=0, atol=1e-12)
    expected = baseline + sum(tree.value[0] for tree in trees)
    assert np.allclose(raw, expected + contrib.sum(axis=1))


def test_monotone_in_the_published_direction(model: tr.TrainedModel, labelled: pd.DataFrame) -> None:
    row = labelled[labelled["kind"] == "scam_line"].iloc[[0]]
    shares = np.linspace(0.3, 1.0, 15)
    callees = np.linspace(1.0, 6.0, 15)
    by_share = [tr.score_trained(row.assign(outgoing_share=v), model)["score"].iloc[0] for v in shares]
    by_cpc = [tr.score_trained(row.assign(calls_per_callee=v), model)["score"].iloc[0] for v in callees]
    assert all(b >= a for a, b in itertools.pairwise(by_share))
    assert all(b <= a for a, b in itertools.pairwise(by_cpc))
    assert by_share[-1] > by_share[0]  # the constraint leaves the feature some effect


def test_cross_validated_metrics_and_reasons(model: tr.TrainedModel, labelled: pd.DataFrame) -> None:
    m = model.metrics
    assert m["folds"] == 3 and m["numbers"] == 700 and 0 < m["harmful"] < 700
    assert 0.5 < m["f1"] <= 1 and 0.5 < m["auc"] <= 1
    out = tr.score_trained(labelled, model)
    assert out["flag"].sum() > 0
    flagged = out.loc[out["flag"], "reasons"].iloc[0].split("; ")
    assert flagged[0].startswith("model≥")
    assert any(part.split("=")[0] in tr.MODEL_FEATURES and part.endswith(")") for part in flagged[1:])


def test_trains_on_the_columns_the_labelled_file_has(labelled: pd.DataFrame) -> None:
    thin = labelled[["number", "calls", "distinct_callees", "outgoing_share", "active_days", "label"]]
    model = tr.fit(thin, thin["label"].to_numpy(), folds=3)
    assert "mean_duration_s" not in model.features and "outgoing_share" in model.features
    assert model.trained_on == ["calls", "distinct_callees", "outgoing_share", "active_days"]
    out = tr.score_trained(labelled, model)  # extra columns in the file to score are ignored
    assert out["flag"].sum() > 0 and model.metrics["auc"] > 0.5


def test_model_file_round_trip_and_integrity(model: tr.TrainedModel, labelled: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    tr.save_model(model, path)
    again = tr.load_model(path)
    assert tr.score_trained(labelled, again).equals(tr.score_trained(labelled, model))
    data = json.loads(path.read_text("utf-8"))
    data["model"]["threshold"] = 0.01  # edited by hand: the digest no longer matches
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(QinglianError, match="校验值不符"):
        tr.load_model(path)
    tree = data["model"]["trees"][0]
    inner = tree["is_leaf"].index(0)
    tree["left"][inner] = inner  # a loop: refused even with a matching digest
    data["model"]["threshold"] = model.threshold
    data["sha256"] = tr._digest(data["model"])
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(QinglianError, match="结构有误"):
        tr.load_model(path)


def test_cli_train_save_and_model(labelled: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train_csv = tmp_path / "labelled.csv"
    labelled[["number", *FEATURES, "label"]].to_csv(train_csv, index=False)
    feats = tmp_path / "features.csv"
    labelled[["number", *FEATURES]].head(50).to_csv(feats, index=False)
    saved, first, second = tmp_path / "model.json", tmp_path / "a.csv", tmp_path / "b.csv"
    argv = ["--lang", "en", "score-callers", str(feats), "--out", str(first), "--train", str(train_csv)]
    assert run([*argv, "--save", str(saved)]) == 0
    err = capsys.readouterr().err
    assert "stratified 5-fold CV" in err and "F1" in err and "AUC" in err and "threshold" in err
    assert json.loads(saved.read_text("utf-8"))["model"]["format"] == tr.FORMAT
    assert run(["score-callers", str(feats), "--out", str(second), "--model", str(saved)]) == 0
    a, b = pd.read_csv(first), pd.read_csv(second)
    assert list(a.columns) == ["number", "score", "flag", "reasons"]
    assert a.equals(b)


@pytest.mark.parametrize(
    ("text", "row", "what"),
    [
        ("number,calls\n+1,3\n", 1, "no `label` column"),
        ("number,calls,label\n+1,3,0\n+2,4,2\n", 3, "label must be 0 or 1"),
        ("number,calls,label\n+1,3,0\n+2,4,\n", 3, "label must be 0 or 1"),
        ("number,calls,label\n+1,3,0\n+2,4,0\n", None, "no harmful (1) numbers"),
    ],
)
def test_labelled_file_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, row: int | None, what: str) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(text, encoding="utf-8")
    feats = tmp_path / "f.csv"
    feats.write_text("number,calls\n+1,3\n", encoding="utf-8")
    assert run(["--lang", "en", "score-callers", str(feats), "--train", str(src)]) == 2
    message = capsys.readouterr().err
    assert str(src) in message and what in message
    if row is not None:
        assert f"row {row}" in message


def test_cli_option_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feats = tmp_path / "f.csv"
    feats.write_text("number,calls\n+1,3\n", encoding="utf-8")
    assert run(["--lang", "en", "score-callers", str(feats), "--save", str(tmp_path / "m.json")]) == 2
    assert "--save needs --train" in capsys.readouterr().err
    both = ["--lang", "en", "score-callers", str(feats), "--train", str(feats), "--model", str(feats)]
    assert run(both) == 2
    assert "either --train or --model" in capsys.readouterr().err
