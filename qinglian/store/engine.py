"""The analysis engine: the same ibis expressions run on DuckDB (default) or Apache Spark.

DuckDB is embedded: an engine wraps a case's connection (`duckdb_engine(con)`) or an
in-memory database for loose files. Spark is a local session (`local[*]`) or a cluster
named by `--spark-master`; its session uses UTC so naive Asia/Shanghai wall-clock
timestamps are never shifted. Files are read as text on both engines (CSV) or with their
own types (Parquet), so both engines see the same values and the analyses parse them
the same way.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from qinglian.errors import QinglianError
from qinglian.store.sqlident import quote_ident

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")

_names = itertools.count()


@dataclass
class Engine:
    """An ibis backend plus what it takes to load data into it and read results out."""

    name: EngineName
    backend: BaseBackend
    spark: Any = None  # the SparkSession when name == "spark"
    _owned: list[Any] = field(default_factory=list)

    def table(self, name: str) -> ibis.Table:
        return self.backend.table(name)

    def load(self, data: pa.Table, name: str | None = None) -> ibis.Table:
        """Make an Arrow table available as an ibis table on this engine."""
        name = name or f"_ql_tmp_{next(_names)}"
        if self.name == "duckdb":
            con = self.backend.con
            con.register(name, data)
            return self.backend.table(name)
        frame = self.spark.createDataFrame(data.to_pandas() if data.num_rows else _empty_pandas(data))
        frame.createOrReplaceTempView(name)
        return self.backend.table(name)

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        """Compute a table once and keep it for the expressions built on it (temp table / cached view)."""
        name = f"_ql_mat_{next(_names)}"
        sql = self.backend.compile(expr)  # compiled by ibis from the expression, not pasted input
        if self.name == "duckdb":
            self.backend.con.execute(f"CREATE TEMP TABLE {quote_ident(name)} AS {sql}")
        else:
            frame = self.spark.sql(sql).cache()
            frame.count()
            frame.createOrReplaceTempView(name)
        return self.backend.table(name)

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        return self.backend.to_pyarrow(expr)

    def close(self) -> None:
        for thing in self._owned:
            thing.close() if hasattr(thing, "close") else thing.stop()
        self._owned.clear()


def _empty_pandas(data: pa.Table) -> Any:
    return data.to_pandas()


def duckdb_engine(con: duckdb.DuckDBPyConnection | None = None) -> Engine:
    """An engine over an existing DuckDB connection (a case store), or a fresh in-memory one."""
    owned: list[Any] = []
    if con is None:
        con = duckdb.connect()
        owned.append(con)
    return Engine("duckdb", ibis.duckdb.from_connection(con), _owned=owned)


def spark_engine(master: str | None = None, shuffle_partitions: int = 8, app: str = "qinglian") -> Engine:
    """A Spark engine: `local[*]` unless a master URL (spark://…, yarn, k8s://…) is given."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise QinglianError(
            "未安装 PySpark，无法使用 Spark 引擎",
            "PySpark is not installed; the Spark engine is unavailable",
            hint_zh="pip install 'qinglian[spark]'（需要 Java 17）",
            hint_en="pip install 'qinglian[spark]' (needs Java 17)",
        ) from exc
    builder = (
        SparkSession.builder.appName(app)
        .master(master or "local[*]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "qinglian-spark-warehouse"))
    )
    try:
        session = builder.getOrCreate()
    except Exception as exc:
        raise QinglianError(
            f"无法启动 Spark：{type(exc).__name__}",
            f"Spark could not start: {type(exc).__name__}",
            hint_zh="检查 Java 17 是否已安装、--spark-master 地址是否可达",
            hint_en="check that Java 17 is installed and the --spark-master URL is reachable",
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return Engine("spark", ibis.pyspark.connect(session), spark=session)


def make_engine(name: str, spark_master: str | None = None) -> Engine:
    if name == "duckdb":
        return duckdb_engine()
    if name == "spark":
        return spark_engine(spark_master)
    raise QinglianError(
        f"未知引擎 {name}",
        f"unknown engine {name}",
        hint_zh="使用 --engine duckdb 或 --engine spark",
        hint_en="use --engine duckdb or --engine spark",
    )


def _data_files(path: Path) -> tuple[str, list[Path]]:
    """The format (csv | parquet) and the files a path names: a file, or a folder of them."""
    if not path.exists():
        raise QinglianError("找不到文件或目录", "no such file or folder", file=str(path))
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".parquet"))
    else:
        files = [path]
    kinds = {p.suffix.lower() for p in files}
    if not files or len(kinds) != 1 or not kinds <= {".csv", ".parquet"}:
        raise QinglianError(
            "需要一个 CSV 或 Parquet 文件，或只含其中一种文件的目录",
            "expected a CSV or Parquet file, or a folder holding files of one of those kinds",
            file=str(path),
        )
    return kinds.pop().lstrip("."), files


def read_files(engine: Engine, path: Path) -> ibis.Table:
    """Read CSV (every column as text, header row required) or Parquet file(s) into the engine."""
    fmt, files = _data_files(Path(path))
    paths = [str(p.resolve()) for p in files]
    if engine.name == "duckdb":
        if fmt == "csv":
            return engine.backend.read_csv(paths, header=True, all_varchar=True, union_by_name=True)
        return engine.backend.read_parquet(paths, union_by_name=True)
    reader = engine.spark.read
    if fmt == "csv":
        frame = reader.option("header", "true").option("inferSchema", "false").csv(paths)
    else:
        frame = reader.option("mergeSchema", "true").parquet(*paths)
    name = f"_ql_files_{next(_names)}"
    frame.createOrReplaceTempView(name)
    return engine.backend.table(name)
