"""File front ends: `score-callers` (features CSV in, scores out) and `behaviour` (CDR files in, measures out)."""

from __future__ import annotations

import csv
import io
import math
import sys
from pathlib import Path

import pandas as pd

from qinglian.detect.behaviour.calls import INT_MEASURES, MEASURE_COLUMNS
from qinglian.detect.behaviour.config import INPUT_FEATURES
from qinglian.detect.behaviour.pipeline import BehaviourResult, measure_files
from qinglian.detect.behaviour.score import score_callers
from qinglian.errors import QinglianError
from qinglian.store.engine import make_engine


def read_features(path: Path) -> pd.DataFrame:
    """Read a score-callers features CSV strictly: a `number` column, numeric feature cells."""
    source = "-" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if source == "-" else Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise QinglianError("找不到特征文件", "features file not found", file=source) from exc
    except UnicodeDecodeError as exc:
        raise QinglianError(
            "特征文件不是 UTF-8 编码",
            "the features file is not UTF-8",
            file=source,
            hint_zh="另存为 UTF-8 CSV 后重试",
            hint_en="save it as UTF-8 CSV and retry",
        ) from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or "number" not in [h.strip() for h in header]:
        raise QinglianError(
            "特征文件缺少 number 列",
            "the features file has no `number` column",
            file=source,
            row=1,
            hint_zh="首行应为列名，其中必须有 number；特征列可选：" + ", ".join(INPUT_FEATURES),
            hint_en="the first row must name the columns, including number; optional features: "
            + ", ".join(INPUT_FEATURES),
        )
    names = [h.strip() for h in header]
    features = [n for n in names if n in INPUT_FEATURES]
    records: dict[str, list[object]] = {n: [] for n in ["number", *features]}
    for row_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise QinglianError(
                f"列数为 {len(row)}，表头为 {len(names)} 列",
                f"{len(row)} cells where the header has {len(names)}",
                file=source,
                row=row_no,
            )
        cells = dict(zip(names, row, strict=True))
        number = cells["number"].strip()
        if not number:
            raise QinglianError("number 为空", "empty number", file=source, row=row_no)
        records["number"].append(number)
        for name in features:
            raw = cells[name].strip()
            try:
                value = float(raw) if raw else math.nan
            except ValueError:
                value = math.inf
            if math.isinf(value):
                raise QinglianError(
                    f"列 {name} 的值不是数字",
                    f"column {name} holds a value that is not a number",
                    file=source,
                    row=row_no,
                    hint_zh="特征值须为数字，缺失可留空",
                    hint_en="feature values must be numbers; leave missing ones empty",
                )
            records[name].append(value)
    return pd.DataFrame(records)


def score_csv(path: Path, out: Path | None) -> int:
    """score-callers: write number,score,flag,reasons; returns how many numbers were flagged."""
    frame = read_features(path)
    scored = score_callers(frame).to_pandas()
    scored["flag"] = scored["flag"].map({True: "true", False: "false"})
    _write(scored, out)
    return int((scored["flag"] == "true").sum())


def _write(frame: pd.DataFrame, out: Path | None) -> None:
    if out is None or str(out) == "-":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        frame.to_csv(out, index=False, lineterminator="\n", encoding="utf-8")


def measures_csv(
    calls: Path, engine_name: str, out: Path, spark_master: str | None = None
) -> BehaviourResult:
    """behaviour: one row per calling number with every measure and the score; notes beside it."""
    engine = make_engine(engine_name, spark_master)
    try:
        result = measure_files(calls, engine)
    finally:
        engine.close()
    frame = result.numbers.copy()
    for col in MEASURE_COLUMNS:
        if col in INT_MEASURES:
            frame[col] = frame[col].astype("Int64")
        else:
            frame[col] = frame[col].astype("float64").round(6)
    frame["flag"] = frame["flag"].map({True: "true", False: "false"})
    _write(frame, out)
    notes_path = Path(str(out) + ".notes.csv") if str(out) != "-" else None
    if notes_path is not None:
        result.notes.to_csv(notes_path, index=False, lineterminator="\n", encoding="utf-8")
    return result
