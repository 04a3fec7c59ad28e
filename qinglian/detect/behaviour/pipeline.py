"""Run every behaviour measure: over a case store (`analyze_behaviour`) or over CDR files (`measure_files`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
import pyarrow as pa

from qinglian.detect.behaviour.calls import call_measures
from qinglian.detect.behaviour.cdr import Prepared, canonical_columns, prepare_calls, release_table
from qinglian.detect.behaviour.config import Thresholds, default_thresholds
from qinglian.detect.behaviour.intent import intent_grades
from qinglian.detect.behaviour.list_order import first_calls, list_order
from qinglian.detect.behaviour.score import score_frame
from qinglian.detect.behaviour.sms import prepare_sms, sms_measures
from qinglian.i18n import t
from qinglian.store import tables as tbl
from qinglian.store.db import begin, commit, rollback
from qinglian.store.engine import Engine, duckdb_engine, make_engine, read_files, spark_engine
from qinglian.store.sqlident import quote_ident as q

ANALYSIS = "behaviour"
VERSION = "1"

# What a consumer says when refusing a call, in transcripts (calls after it are counted).
REFUSAL_RE = r"(不需要|别再打|不要再打|别打了|不要打了|再打我就投诉|我要投诉|拉黑)"

# name -> (zh, en) descriptions of the bad-input counters of cdr.py
PROBLEMS: dict[str, tuple[str, str]] = {
    "rows_in": ("读入的通话记录行数", "call rows read"),
    "missing_start": ("开始时间缺失或无法识别，已剔除", "start time missing or unreadable: row left out"),
    "missing_caller": ("主叫号码缺失，已剔除", "caller missing: row left out"),
    "missing_callee": ("被叫号码缺失，不计入被叫类指标", "callee missing: left out of callee measures"),
    "negative_duration": (
        "通话时长为负，不计入时长类指标",
        "negative duration: left out of duration measures",
    ),
    "absurd_duration": (
        "通话时长超出合理上限，不计入时长类指标",
        "absurd duration: left out of duration measures",
    ),
    "end_before_start": (
        "结束时间早于开始时间，不计入时长类指标",
        "end before start: left out of duration measures",
    ),
    "duplicate_rows": ("重复导出的同一通话，只计一次", "the same call exported more than once: counted once"),
    "with_utc_offset": ("时间带有时区标记", "times carrying an explicit UTC offset"),
    "foreign_offset": (
        "时间为非北京时间时区，已换算为北京时间",
        "times in a zone other than +08:00: converted",
    ),
}


@dataclass
class BehaviourResult:
    numbers: pd.DataFrame
    accounts: pd.DataFrame = field(default_factory=pd.DataFrame)
    holders: pd.DataFrame = field(default_factory=pd.DataFrame)
    sms: pd.DataFrame = field(default_factory=pd.DataFrame)
    list_order: pd.DataFrame = field(default_factory=pd.DataFrame)
    intent: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> dict[str, Any]:
        def flagged(frame: pd.DataFrame) -> int:
            return int(frame["flag"].sum()) if "flag" in frame and len(frame) else 0

        return {
            "numbers": len(self.numbers),
            "flagged_numbers": flagged(self.numbers),
            "accounts": len(self.accounts),
            "flagged_accounts": flagged(self.accounts),
            "holders": len(self.holders),
            "sms_keys": len(self.sms),
            "list_order_pairs": len(self.list_order),
            "intent_grades": len(self.intent),
            "notes": len(self.notes),
        }

    def lines(self) -> list[str]:
        s = self.summary()
        return [
            t(
                f"通话行为：{s['numbers']} 个主叫号码，其中 {s['flagged_numbers']} 个判定为群呼号码；"
                f"{s['accounts']} 个账号（{s['flagged_accounts']} 个群呼）；名单顺序拨打比对 {s['list_order_pairs']} 组",
                f"call behaviour: {s['numbers']} calling numbers, {s['flagged_numbers']} flagged as mass-calling; "
                f"{s['accounts']} accounts ({s['flagged_accounts']} flagged); {s['list_order_pairs']} list/account "
                "pairs checked for list-order dialling",
            ),
            t(
                f"数据问题记录 {s['notes']} 条（见 behaviour_notes）",
                f"{s['notes']} data notes (behaviour_notes)",
            ),
        ]


def _notes(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scope", "problem", "count", "detail"])


def call_notes(engine: Engine, prepared: Prepared, scope: str) -> list[tuple[str, str, int, str]]:
    """Bad-input counts for a prepared call table (zero counts left out, rows_in always kept)."""
    counts = engine.to_arrow(prepared.problems).to_pylist()[0]
    rows: list[tuple[str, str, int, str]] = []
    for name, (zh, en) in PROBLEMS.items():
        n = int(counts.get(name) or 0)
        if n or name == "rows_in":
            rows.append((scope, name, n, f"{zh} / {en}"))
    with_offset = int(counts["with_utc_offset"])
    if 0 < with_offset < int(counts["rows_in"]) - int(counts["missing_start"]):
        rows.append(
            (
                scope,
                "mixed_time_zones",
                with_offset,
                "部分时间带时区、部分不带：不带的按北京时间处理 / some times carry an offset and some do not: "
                "those without are taken as Asia/Shanghai",
            )
        )
    return rows


def scored(measures: pd.DataFrame, key: str, thresholds: Thresholds) -> pd.DataFrame:
    """Measures plus score, flag and reasons (the same scoring as score-callers)."""
    feats = measures.rename(columns={key: "number"})
    result = score_frame(feats, thresholds)
    out = measures.copy(deep=False)  # new columns only: the measures' own columns are shared
    out["score"] = result["score"]
    out["flag"] = result["flag"]
    out["reasons"] = result["reasons"]
    return out


def _collect(engine: Engine, expr: ibis.Table) -> pd.DataFrame:
    return engine.to_arrow(expr).to_pandas()


def _day(n: Any) -> date | None:
    return None if pd.isna(n) else date(1970, 1, 1) + timedelta(days=int(n))


def measure_files(path: Path, engine: Engine, thresholds: Thresholds | None = None) -> BehaviourResult:
    """Per-number measures and score over call-detail files (CSV or Parquet)."""
    th = thresholds or default_thresholds()
    raw = read_files(engine, path)
    mapping = canonical_columns(list(raw.columns), str(path))
    prepared = prepare_calls(
        raw, th.measures, rename=mapping, materialize=engine.materialize, release=partial(release_table, engine),
        number_ids=engine.name == "duckdb",
    )
    numbers = _collect(engine, call_measures(prepared.calls, "caller", th.measures, names=prepared.names))
    numbers = scored(numbers.rename(columns={"caller": "number"}), "number", th)
    notes = _notes(call_notes(engine, prepared, "calls"))
    return BehaviourResult(numbers=numbers, notes=notes)


def _case_tables(engine_name: str, con: duckdb.DuckDBPyConnection, spark_master: str | None) -> Engine:
    if engine_name == "duckdb":
        return duckdb_engine(con)
    engine = spark_engine(spark_master) if engine_name == "spark" else make_engine(engine_name)
    for name in ("calls", "sms", "customers", "complaints"):
        engine.load(con.execute(f"SELECT * EXCLUDE (extra) FROM {name}").to_arrow_table(), name)
    return engine


def _local_t(col: ibis.Value) -> ibis.Value:
    return col.epoch_seconds().floor().cast("int64")


def compute_case(engine: Engine, thresholds: Thresholds | None = None) -> BehaviourResult:
    """Every behaviour measure over the case tables visible to `engine`."""
    th = thresholds or default_thresholds()
    m = th.measures
    calls_raw = engine.table("calls")
    prepared = prepare_calls(calls_raw, m, materialize=engine.materialize, release=partial(release_table, engine),
                             number_ids=engine.name == "duckdb")
    complaints = engine.table("complaints")
    complained = complaints.filter(
        complaints.complainant.notnull() & complaints.received_at.notnull()
    ).select(consumer=complaints.complainant, t=_local_t(complaints.received_at))
    refusals = calls_raw.filter(calls_raw.transcript.re_search(REFUSAL_RE).coalesce(False))
    refused = refusals.filter(refusals.callee.notnull() & refusals.started_at.notnull()).select(
        consumer=refusals.callee, t=_local_t(refusals.started_at)
    )
    objections = complained.union(refused, distinct=False)
    notes = call_notes(engine, prepared, "calls")

    levels: dict[str, pd.DataFrame] = {}
    for key, out_key in (("caller", "number"), ("account", "account"), ("holder", "holder")):
        frame = _collect(engine, call_measures(prepared.calls, key, m, objections=objections, names=prepared.names))
        frame = frame.rename(columns={key: out_key})
        levels[out_key] = scored(frame, out_key, th) if out_key != "holder" else frame

    sends, replies = prepare_sms(engine.table("sms"))
    sends = engine.materialize(sends)  # read by both levels: the distinct sends are worked out once
    sms_objections = replies.union(complained, distinct=False)
    sms_frames = []
    for key in ("account", "signature"):
        frame = _collect(engine, sms_measures(sends, key, sms_objections)).rename(columns={key: "key"})
        frame.insert(0, "level", key)
        sms_frames.append(frame)
    release_table(engine, sends)
    sms = pd.concat(sms_frames, ignore_index=True) if sms_frames else pd.DataFrame()
    sms["peak_day"] = sms["peak_day"].map(_day)

    pairs = _collect(engine, first_calls(prepared.calls, engine.table("customers")))
    lists = list_order(pairs, m.list_order_min_rows)

    intent = _collect(engine, intent_grades(calls_raw, m.max_duration_s))
    graded = int(engine.to_arrow(calls_raw.count()).as_py()) if intent.empty else 0
    if intent.empty and graded:
        notes.append(
            (
                "intent",
                "no_intent_grade",
                graded,
                "通话记录中没有意向等级列（或全部为空），不做意向分级统计 / the call records carry no intent "
                "grade: intent grading is not reported",
            )
        )
    return BehaviourResult(
        numbers=levels["number"],
        accounts=levels["account"],
        holders=levels["holder"],
        sms=sms,
        list_order=lists,
        intent=intent,
        notes=_notes(notes),
    )


# Result attribute -> the declared table it is stored in.
TABLES: dict[str, tbl.Table] = {
    "numbers": tbl.BEHAVIOUR_NUMBERS,
    "accounts": tbl.BEHAVIOUR_ACCOUNTS,
    "holders": tbl.BEHAVIOUR_HOLDERS,
    "sms": tbl.BEHAVIOUR_SMS,
    "list_order": tbl.LIST_ORDER,
    "intent": tbl.INTENT_GRADES,
    "notes": tbl.BEHAVIOUR_NOTES,
}


def _store(con: duckdb.DuckDBPyConnection, result: BehaviourResult) -> None:
    """Replace the stored tables, cast to their declared types (pandas infers them from the data)."""
    for attr, table in TABLES.items():
        frame = getattr(result, attr).reindex(columns=list(table.names))
        view = f"_ql_{table.name}_src"
        con.register(view, pa.Table.from_pandas(frame, preserve_index=False))
        try:
            tbl.create(con, table, replace=True)
            cast = ", ".join(f"CAST({q(c.name)} AS {c.type})" for c in table.columns)
            con.execute(f"INSERT INTO {q(table.name)} SELECT {cast} FROM {q(view)}")
        finally:
            con.unregister(view)


def analyze_behaviour(
    case: Any,
    con: duckdb.DuckDBPyConnection,
    engine: str = "duckdb",
    *,
    spark_master: str | None = None,
    thresholds: Thresholds | None = None,
) -> BehaviourResult:
    """Compute every behaviour measure of a case and replace its stored tables, in one transaction.

    Records the run in ``analysis_runs``; like the other analyses it does not write the custody
    log (``qinglian analyze`` logs all analyses at once; :func:`run_behaviour` logs a run alone).
    """
    th = thresholds or default_thresholds()
    eng = _case_tables(engine, con, spark_master)
    result = compute_case(eng, th)  # a Spark session is left running for the next analysis
    params = {"engine": engine, "thresholds_version": th.version, "spark_master": spark_master}
    own = begin(con)
    try:
        _store(con, result)
        con.execute("DELETE FROM analysis_runs WHERE analysis = ?", [ANALYSIS])
        con.execute(
            "INSERT INTO analysis_runs VALUES (?, ?, ?, ?)",
            [ANALYSIS, VERSION, datetime.now(), json.dumps(params)],
        )
        commit(con, own)
    except BaseException:
        rollback(con, own)
        raise
    return result


def run_behaviour(
    case: Any, engine: str = "duckdb", *, spark_master: str | None = None, user: str | None = None
) -> BehaviourResult:
    """Behaviour analytics on their own (outside ``qinglian analyze``), written to the custody log."""
    with case.connect() as con:
        result = analyze_behaviour(case, con, engine, spark_master=spark_master)
        params = {"engine": engine, "spark_master": spark_master}
        case.log(f"analyze.{ANALYSIS}", params, user=user, details=result.summary(), con=con)
    return result
