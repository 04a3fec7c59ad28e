"""Trained caller scoring: a gradient-boosted model on labelled numbers, with monotone constraints.

`fit` trains scikit-learn's HistGradientBoostingClassifier on the score-callers features (and
the ratios derived from them), each constrained to the direction the published facts give it
(thresholds.yaml: more distinct callees a day, a higher outgoing share, shorter calls, fewer
calls per callee, more handsets, fewer active days and more SMS a day only ever raise the
score); totals whose meaning depends on the unknown window are left free. Missing cells are
NaN, which the model routes down a learnt branch. Stratified k-fold cross-validation gives
out-of-fold scores: the threshold is the one with the best F1 on them, and the printed
precision, recall, F1 and AUC are measured there (so the threshold is chosen on the same
scores it is reported on: slightly optimistic).

The fitted trees are exported to a plain JSON file (numbers only, no pickle): loading one runs
no code, and the file carries a SHA-256 of its body that is checked on load (integrity against
corruption or editing, not proof of who made it). Prediction walks the exported trees here and
matches scikit-learn's own to floating-point rounding (tested).

Reasons are per-feature contributions in log-odds by path attribution (Saabas's method, as in
`treeinterpreter`): on each tree, every split a number passes moves the expected value from
the node to the child, and that move is credited to the split's feature. Contributions add up
exactly to the model's log-odds minus its average; unlike SHAP values they can favour features
split near the root.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from qinglian.detect.behaviour.config import INPUT_FEATURES
from qinglian.detect.behaviour.files import read_features
from qinglian.detect.behaviour.score import derive_features
from qinglian.errors import QinglianError
from qinglian.i18n import t

FORMAT = "qinglian-callers-gbm/1"
_BIG = float(np.finfo(np.float64).max)

# Model inputs and their monotone direction (+1: a higher value never lowers the score; -1:
# never raises it; 0: free). Directions follow thresholds.yaml's sources.
MODEL_FEATURES: dict[str, int] = {
    "distinct_callees_per_day": 1,
    "calls_per_day": 1,
    "calls_per_callee": -1,
    "outgoing_share": 1,
    "mean_duration_s": -1,
    "median_duration_s": -1,
    "handsets": 1,
    "active_days": -1,
    "sms_per_day": 1,
    "active_hours": 0,  # no published direction: dialers and people both span the working day
    "calls": 0,  # totals grow with the unknown window
    "distinct_callees": 0,
    "sms_sent": 0,
}


def model_matrix(frame: pd.DataFrame, names: list[str] | None = None) -> np.ndarray:
    feats = derive_features(frame)
    cols = names or list(MODEL_FEATURES)
    matrix: np.ndarray = feats[cols].to_numpy(dtype="float64")
    return matrix


@dataclass
class Tree:
    feature: np.ndarray  # int, per node
    threshold: np.ndarray  # go left when value <= threshold
    missing_left: np.ndarray  # bool: where NaN goes
    left: np.ndarray
    right: np.ndarray
    is_leaf: np.ndarray
    value: np.ndarray  # leaf: the leaf's log-odds; inner: expected value below it (training counts)
    depth: int

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature.tolist(),
            # a split that only separates missing values has an infinite threshold: the largest
            # float compares the same with every finite value and keeps the file plain JSON
            "threshold": [float(x) for x in np.nan_to_num(self.threshold, nan=0.0, posinf=_BIG, neginf=-_BIG)],
            "missing_left": self.missing_left.astype(int).tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "is_leaf": self.is_leaf.astype(int).tolist(),
            "value": [float(x) for x in self.value],
        }

    @staticmethod
    def from_json(data: dict[str, Any], n_features: int) -> Tree:
        n = len(data["value"])
        arrays = {k: data[k] for k in ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")}
        if any(len(v) != n for v in arrays.values()) or n == 0:
            raise ValueError("tree arrays differ in length")
        feature = np.asarray(arrays["feature"], dtype=np.int64)
        left = np.asarray(arrays["left"], dtype=np.int64)
        right = np.asarray(arrays["right"], dtype=np.int64)
        is_leaf = np.asarray(arrays["is_leaf"], dtype=np.int64).astype(bool)
        inner = ~is_leaf
        idx = np.arange(n)
        # children always come after their parent: every walk ends, in at most n steps
        if np.any(inner & ((left <= idx) | (right <= idx) | (left >= n) | (right >= n))):
            raise ValueError("tree children out of order")
        if np.any(inner & ((feature < 0) | (feature >= n_features))):
            raise ValueError("tree feature out of range")
        depth = _depth(left, right, is_leaf)
        return Tree(
            feature=np.where(inner, feature, 0),
            threshold=np.asarray(arrays["threshold"], dtype="float64"),
            missing_left=np.asarray(arrays["missing_left"], dtype=np.int64).astype(bool),
            left=left,
            right=right,
            is_leaf=is_leaf,
            value=np.asarray(arrays["value"], dtype="float64"),
            depth=depth,
        )

    def walk(self, X: np.ndarray, contrib: np.ndarray | None = None) -> np.ndarray:
        """Leaf value per row; adds each split's change of expected value to `contrib`."""
        n = len(X)
        rows = np.arange(n)
        node = np.zeros(n, dtype=np.int64)
        for _ in range(self.depth + 1):
            inner = ~self.is_leaf[node]
            if not inner.any():
                break
            f = self.feature[node]
            x = X[rows, f]
            with np.errstate(invalid="ignore"):
                go_left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            nxt = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)
            if contrib is not None:
                moved = np.flatnonzero(inner)
                np.add.at(contrib, (moved, f[moved]), self.value[nxt[moved]] - self.value[node[moved]])
            node = nxt
        return np.asarray(self.value[node], dtype="float64")


def _depth(left: np.ndarray, right: np.ndarray, is_leaf: np.ndarray) -> int:
    depth = np.zeros(len(left), dtype=np.int64)
    for i in range(len(left)):  # parents come first, so one pass sets every depth
        if not is_leaf[i]:
            depth[left[i]] = depth[i] + 1
            depth[right[i]] = depth[i] + 1
    return int(depth.max())


def _export(model: HistGradientBoostingClassifier) -> tuple[float, list[Tree]]:
    baseline = float(np.asarray(model._baseline_prediction).ravel()[0])
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        if np.any(nodes["is_categorical"]):
            raise ValueError("categorical splits are not exported")
        n = len(nodes)
        is_leaf = nodes["is_leaf"].astype(bool)
        left = nodes["left"].astype(np.int64)
        right = nodes["right"].astype(np.int64)
        count = nodes["count"].astype("float64")
        # inner nodes: the count-weighted mean of their children's values, so that the moves
        # along a path add up to the leaf (scikit-learn keeps unshrunk values there)
        value = np.where(is_leaf, nodes["value"], 0.0).astype("float64")
        for i in range(n - 1, -1, -1):
            if not is_leaf[i]:
                lc, rc = count[left[i]], count[right[i]]
                total = lc + rc
                value[i] = (lc * value[left[i]] + rc * value[right[i]]) / total if total else 0.0
        trees.append(
            Tree(
                feature=np.where(is_leaf, 0, nodes["feature_idx"]).astype(np.int64),
                threshold=nodes["num_threshold"].astype("float64"),
                missing_left=nodes["missing_go_to_left"].astype(bool),
                left=left,
                right=right,
                is_leaf=is_leaf,
                value=value,
                depth=_depth(left, right, is_leaf),
            )
        )
    return baseline, trees


@dataclass
class TrainedModel:
    features: list[str]
    baseline: float
    trees: list[Tree]
    threshold: float
    metrics: dict[str, float] = field(default_factory=dict)
    medians: dict[str, float] = field(default_factory=dict)
    trained_on: list[str] = field(default_factory=list)  # input columns the labelled file had

    def raw(self, X: np.ndarray, contrib: np.ndarray | None = None) -> np.ndarray:
        out = np.full(len(X), self.baseline)
        for tree in self.trees:
            out += tree.walk(X, contrib)
        return out

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "features": self.features,
            "baseline": self.baseline,
            "threshold": self.threshold,
            "metrics": self.metrics,
            "medians": self.medians,
            "trained_on": self.trained_on,
            "trees": [tree.to_json() for tree in self.trees],
        }


def _digest(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


def save_model(model: TrainedModel, path: Path) -> str:
    """Write the model as JSON with the SHA-256 of its body; returns the digest."""
    body = model.body()
    body["medians"] = {k: _finite(v) for k, v in body["medians"].items()}
    digest = _digest(body)
    Path(path).write_text(json.dumps({"sha256": digest, "model": body}, ensure_ascii=False), encoding="utf-8")
    return digest


def load_model(path: Path) -> TrainedModel:
    """Read a model file: plain JSON, checked against its SHA-256 and for a sound tree structure."""
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise QinglianError("找不到模型文件", "model file not found", file=source) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QinglianError("模型文件不是有效的 JSON", "the model file is not valid JSON", file=source) from exc
    try:
        body = data["model"]
        if body.get("format") != FORMAT:
            raise ValueError(f"format {body.get('format')!r}")
        if data.get("sha256") != _digest(body):
            raise QinglianError(
                "模型文件的校验值不符：文件已损坏或被改动",
                "the model file's SHA-256 does not match: it is damaged or was edited",
                file=source,
                hint_zh="用 --train ... --save 重新训练并保存",
                hint_en="retrain and save it with --train ... --save",
            )
        names = [str(x) for x in body["features"]]
        if any(n not in MODEL_FEATURES for n in names):
            raise ValueError("unknown feature")
        trees = [Tree.from_json(tree, len(names)) for tree in body["trees"]]
        return TrainedModel(
            features=names,
            baseline=float(body["baseline"]),
            trees=trees,
            threshold=float(body["threshold"]),
            metrics={k: float(v) for k, v in body["metrics"].items()},
            medians={k: (math.nan if v is None else float(v)) for k, v in body["medians"].items()},
            trained_on=[str(x) for x in body.get("trained_on", [])],
        )
    except QinglianError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise QinglianError(
            f"模型文件结构有误：{exc}", f"the model file is malformed: {exc}", file=source
        ) from exc


def _classifier(monotone: list[int], seed: int) -> HistGradientBoostingClassifier:
    # small trees, strong leaves: a few thousand labelled numbers is the expected size
    return HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.08,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        monotonic_cst=monotone,
        early_stopping=False,
        random_state=seed,
    )


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    order = np.unique(p)
    best, best_f1 = 0.5, -1.0
    for thr in order[:: max(1, len(order) // 400)]:
        f1 = f1_score(y, p >= thr, zero_division=0)
        if f1 > best_f1:
            best, best_f1 = float(thr), f1
    return best


def fit(frame: pd.DataFrame, labels: np.ndarray, *, folds: int = 5, seed: int = 7) -> TrainedModel:
    """Fit on labelled features; metrics from stratified k-fold out-of-fold scores."""
    y = np.asarray(labels, dtype=np.int64)
    every = model_matrix(frame, list(MODEL_FEATURES))
    # a feature the labelled file lacks (or holds one value of) cannot be learnt: left out
    names = [n for i, n in enumerate(MODEL_FEATURES) if len(np.unique(every[np.isfinite(every[:, i]), i])) >= 2]
    if not names:
        raise QinglianError("标注文件中没有可用的特征列", "the labelled file has no usable feature column")
    X = every[:, [list(MODEL_FEATURES).index(n) for n in names]]
    monotone = [MODEL_FEATURES[n] for n in names]
    k = int(min(folds, np.bincount(y, minlength=2).min()))
    metrics: dict[str, float] = {"folds": float(k), "numbers": float(len(y)), "harmful": float(y.sum())}
    threshold = 0.5
    if k >= 2:
        oof = np.zeros(len(y))
        for train_idx, test_idx in StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y):
            clf = _classifier(monotone, seed).fit(X[train_idx], y[train_idx])
            oof[test_idx] = clf.predict_proba(X[test_idx])[:, 1]
        threshold = _best_threshold(y, oof)
        flag = oof >= threshold
        metrics.update(
            precision=float(precision_score(y, flag, zero_division=0)),
            recall=float(recall_score(y, flag, zero_division=0)),
            f1=float(f1_score(y, flag, zero_division=0)),
            auc=float(roc_auc_score(y, oof)),
        )
    clf = _classifier(monotone, seed).fit(X, y)
    baseline, trees = _export(clf)
    medians = {n: float(np.nanmedian(X[:, i])) if np.isfinite(X[:, i]).any() else math.nan for i, n in enumerate(names)}
    trained_on = [c for c in INPUT_FEATURES if c in frame and frame[c].notna().any()]
    return TrainedModel(names, baseline, trees, threshold, metrics, medians, trained_on)


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "NA"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def score_trained(frame: pd.DataFrame, model: TrainedModel, top: int = 4) -> pd.DataFrame:
    """score (the model's probability), flag (score >= its threshold) and reasons per row."""
    X = model_matrix(frame, model.features)
    contrib = np.zeros_like(X)
    raw = model.raw(X, contrib)
    score = 1.0 / (1.0 + np.exp(-raw))
    flag = score >= model.threshold
    order = np.argsort(-np.abs(contrib), axis=1)[:, :top]
    reasons = []
    for i in range(len(X)):
        parts = [f"model≥{model.threshold:.3g}" if flag[i] else f"model<{model.threshold:.3g}"]
        for j in order[i]:
            c = contrib[i, j]
            if abs(c) >= 0.05:
                parts.append(f"{model.features[j]}={_fmt(X[i, j])} ({c:+.2f})")
        reasons.append("; ".join(parts))
    return pd.DataFrame({"score": np.round(score, 4), "flag": flag, "reasons": reasons}, index=frame.index)


def read_labelled(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """A features CSV with a `label` column of 0 (not harmful) or 1 (harmful) on every row."""
    source = str(path)
    frame = read_features(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (FileNotFoundError, UnicodeDecodeError) as exc:  # read_features reported these already
        raise QinglianError("无法读取标注文件", "cannot read the labelled file", file=source) from exc
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if "label" not in header:
        raise QinglianError(
            "标注文件缺少 label 列",
            "the labelled file has no `label` column",
            file=source,
            row=1,
            hint_zh="label 列：1 为有害号码，0 为正常号码",
            hint_en="label: 1 for a harmful number, 0 for not",
        )
    col = header.index("label")
    labels: list[int] = []
    for row_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = row[col].strip()
        if cell not in ("0", "1", "0.0", "1.0"):
            raise QinglianError(
                f"label 应为 0 或 1，实为 {cell[:20]!r}",
                f"label must be 0 or 1, not {cell[:20]!r}",
                file=source,
                row=row_no,
            )
        labels.append(int(float(cell)))
    y = np.asarray(labels, dtype=np.int64)
    if len(y) != len(frame):  # both readers skip the same blank rows
        raise QinglianError("标注行数与特征行数不符", "label rows and feature rows differ", file=source)
    if y.sum() == 0 or y.sum() == len(y):
        which = ("有害（1）", "harmful (1)") if y.sum() == 0 else ("正常（0）", "not harmful (0)")
        raise QinglianError(
            f"标注文件中没有{which[0]}号码，无法训练",
            f"the labelled file has no {which[1]} numbers: nothing to learn from",
            file=source,
        )
    return frame, y


def metric_lines(model: TrainedModel) -> list[str]:
    m = model.metrics
    if "f1" not in m:
        return [t("标注样本太少，未做交叉验证", "too few labelled numbers for cross-validation")]
    k = int(m["folds"])
    return [
        t(
            f"{k} 折分层交叉验证（{int(m['numbers'])} 个号码，{int(m['harmful'])} 个有害）："
            f"精确率 {m['precision']:.3f}，召回率 {m['recall']:.3f}，F1 {m['f1']:.3f}，AUC {m['auc']:.3f}；"
            f"判定阈值 {model.threshold:.3f}",
            f"stratified {k}-fold CV ({int(m['numbers'])} numbers, {int(m['harmful'])} harmful): "
            f"precision {m['precision']:.3f}, recall {m['recall']:.3f}, F1 {m['f1']:.3f}, AUC {m['auc']:.3f}; "
            f"threshold {model.threshold:.3f}",
        )
    ]


def score_csv_trained(
    features: Path, out: Path | None, *, train: Path | None = None, save: Path | None = None,
    model_path: Path | None = None,
) -> tuple[int, list[str]]:
    """score-callers with --train (and --save) or --model: returns (flagged, lines to print)."""
    from qinglian.detect.behaviour.files import _write

    lines: list[str] = []
    if train is not None:
        frame, y = read_labelled(train)
        model = fit(frame, y)
        lines += metric_lines(model)
        if save is not None:
            digest = save_model(model, save)
            lines.append(t(f"模型已保存：{save}（SHA-256 {digest[:16]}…）", f"model saved: {save} (SHA-256 {digest[:16]}…)"))
    elif model_path is not None:
        model = load_model(model_path)
        lines += metric_lines(model)
    else:
        raise QinglianError("需要 --train 或 --model", "--train or --model is needed")
    data = read_features(features)
    missing = [c for c in model.trained_on if c not in data]
    if missing:
        lines.append(
            t(
                f"注意：特征文件缺少模型训练时用过的列 {', '.join(missing)}，按缺失值处理，结果可能变差",
                f"note: the features file lacks columns the model was trained with ({', '.join(missing)}): "
                "scored as missing, which may be worse",
            )
        )
    scored = score_trained(data, model)
    table = pd.DataFrame(
        {
            "number": data["number"].astype("string"),
            "score": scored["score"],
            "flag": scored["flag"].map({True: "true", False: "false"}),
            "reasons": scored["reasons"],
        }
    )
    _write(table, out)
    return int(scored["flag"].sum()), lines
