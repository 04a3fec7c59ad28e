"""Matching customer lists across cases and agencies without moving a raw number.

``export_lists`` writes every customer list of a case as keyed pseudonyms (HMAC-SHA-256 of
the E.164 number under the agency key, computed inside DuckDB) to a Parquet file another
case or agency can load; ``match_lists`` loads such files and measures how much each of their
lists shares with each list of this case (containment both ways and Jaccard), into the table
``cross_case_overlaps``. Pseudonyms match only under the same key: the file carries a key
check (the HMAC of a fixed text), and a file made under another key is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import duckdb

from qinglian import __version__
from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.link.keys import agency_key
from qinglian.link.sql import has_table, reset_table
from qinglian.store.case import Case
from qinglian.store.evidence import sha256_file

FORMAT = "qinglian-pseudonyms/1"
HEX = 16  # 64 bits: for 10^7 consumers the chance of any collision is about 3 in a million
MIN_SHARED = 3
COLUMNS = ("case_name", "holder", "evidence_sha256", "sheet", "file_name", "consumer")
_CHECK_TEXT = b"qinglian key check"
_BLOCK = 64  # SHA-256 block size in bytes


def key_check(key: bytes) -> str:
    """What two parties compare to know they hold the same key (reveals nothing about it)."""
    return hmac.new(key, _CHECK_TEXT, hashlib.sha256).hexdigest()[:16]


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """(outer, inner) padded keys of HMAC-SHA-256 (RFC 2104), for the SQL below."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x5C for b in key), bytes(b ^ 0x36 for b in key)


# HMAC-SHA-256 of a VARCHAR column, with the outer and inner pads as the two BLOB parameters.
def hmac_sql(column: str) -> str:
    return f"left(sha256($opad::BLOB || unhex(sha256($ipad::BLOB || encode({column})))), {HEX})"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    lists: int
    consumers: int
    rows: int

    def lines(self) -> list[str]:
        return [t(f"已导出 {self.lists} 份名单、{self.rows} 条假名化记录（{self.consumers} 名消费者）：{self.path}",
                  f"exported {self.lists} lists, {self.rows} pseudonymised rows ({self.consumers} consumers): "
                  f"{self.path}"),
                t("文件中没有号码原文；对方须使用同一机构密钥才能比对",
                  "the file holds no raw numbers; the other side needs the same agency key to match it")]


def export_lists(case: Case, out: Path, *, user: str | None = None) -> ExportResult:
    key = agency_key()
    opad, ipad = hmac_pads(key)
    out = out.expanduser().resolve()
    if out.suffix.lower() != ".parquet":
        raise QinglianError("导出文件须以 .parquet 结尾", "the export file must end in .parquet", file=str(out))
    if out.is_relative_to(case.root.resolve()) and not out.is_relative_to(case.reports_dir.resolve()):
        raise QinglianError("不能把导出文件写进案件目录（报告目录除外）",
                            "the export may not be written inside the case folder (except reports/)", file=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    meta = case.meta()
    with case.connect() as con:
        con.execute(
            f"""COPY (
                SELECT DISTINCT $case AS case_name, c.holder, c.evidence_sha256, coalesce(c.sheet, '') AS sheet,
                       e.file_name, {hmac_sql('c.phone')} AS consumer
                FROM customers c LEFT JOIN evidence e ON e.sha256 = c.evidence_sha256
                WHERE c.phone IS NOT NULL
                ORDER BY 3, 4, 6
            ) TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION zstd,
                KV_METADATA {{format: '{FORMAT}', key_check: '{key_check(key)}', qinglian: '{__version__}'}})""",
            {"case": str(meta.get("name", case.root.name)), "opad": opad, "ipad": ipad},
        )
        lists, consumers, rows = con.execute(
            f"SELECT count(DISTINCT (evidence_sha256, sheet)), count(DISTINCT consumer), count(*) "
            f"FROM read_parquet('{_sql_path(tmp)}')").fetchone() or (0, 0, 0)
        tmp.replace(out)
        case.log("exchange.export", {"out": str(out)}, user=user,
                 details={"sha256": sha256_file(out), "lists": lists, "rows": rows, "key_check": key_check(key)},
                 con=con)
    return ExportResult(out, int(lists), int(consumers), int(rows))


@dataclass(frozen=True)
class MatchResult:
    files: int
    their_lists: int
    pairs: int

    def lines(self) -> list[str]:
        return [t(f"读入 {self.files} 个交换文件、{self.their_lists} 份外部名单；与本案名单重合 {self.pairs} 对"
                  "（见表 cross_case_overlaps 与报告）",
                  f"read {self.files} exchange files with {self.their_lists} outside lists; {self.pairs} pairs "
                  "overlap with this case's lists (table cross_case_overlaps and the report)")]


def match_lists(case: Case, files: list[Path], *, user: str | None = None) -> MatchResult:
    key = agency_key()
    opad, ipad = hmac_pads(key)
    sources = [(p, sha256_file(_readable(p))) for p in files]
    with case.connect() as con:
        for p, _ in sources:
            _check_file(con, p, key)
        con.execute("BEGIN TRANSACTION")
        try:
            if not has_table(con, "cross_case_overlaps"):
                reset_table(con, "cross_case_overlaps")
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE ours AS
                SELECT DISTINCT c.holder, c.evidence_sha256, coalesce(c.sheet, '') AS sheet, e.file_name,
                       {hmac_sql('c.phone')} AS consumer
                FROM customers c LEFT JOIN evidence e ON e.sha256 = c.evidence_sha256
                WHERE c.phone IS NOT NULL""",
                {"opad": opad, "ipad": ipad},
            )
            their_lists = 0
            for p, sha in sources:
                con.execute("DELETE FROM cross_case_overlaps WHERE source_sha256 = ?", [sha])
                con.execute(f"""CREATE OR REPLACE TEMP TABLE theirs AS
                    SELECT DISTINCT case_name, holder, evidence_sha256, sheet, file_name, consumer
                    FROM read_parquet('{_sql_path(p)}')""")
                their_lists += int((con.execute(
                    "SELECT count(DISTINCT (evidence_sha256, sheet)) FROM theirs").fetchone() or (0,))[0])
                con.execute(
                    """INSERT INTO cross_case_overlaps
                    WITH t_size AS (SELECT evidence_sha256, sheet, count(*) n FROM theirs GROUP BY ALL),
                         o_size AS (SELECT evidence_sha256, sheet, count(*) n FROM ours GROUP BY ALL),
                         shared AS (
                            SELECT t.case_name, t.holder AS their_holder, t.file_name AS their_file,
                                   t.evidence_sha256 AS t_sha, t.sheet AS t_sheet,
                                   o.holder AS our_holder, o.file_name AS our_file,
                                   o.evidence_sha256 AS o_sha, o.sheet AS o_sheet, count(*) AS shared
                            FROM theirs t JOIN ours o USING (consumer) GROUP BY ALL HAVING count(*) >= ?)
                    SELECT ?, s.case_name, s.their_holder, s.their_file, s.t_sha || ':' || s.t_sheet,
                           s.our_holder, s.our_file, s.o_sha || ':' || s.o_sheet, ts.n, os.n, s.shared,
                           s.shared / ts.n, s.shared / os.n, s.shared / (ts.n + os.n - s.shared)
                    FROM shared s
                    JOIN t_size ts ON ts.evidence_sha256 = s.t_sha AND ts.sheet = s.t_sheet
                    JOIN o_size os ON os.evidence_sha256 = s.o_sha AND os.sheet = s.o_sheet""",
                    [MIN_SHARED, sha],
                )
            pairs = int((con.execute("SELECT count(*) FROM cross_case_overlaps WHERE source_sha256 IN "
                                     f"({', '.join('?' for _ in sources)})",
                                     [s for _, s in sources]).fetchone() or (0,))[0])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        case.log("exchange.match", {"files": [str(p) for p, _ in sources]}, user=user,
                 details={"sources": [{"file": p.name, "sha256": s} for p, s in sources], "pairs": pairs,
                          "version": __version__}, con=con)
    return MatchResult(len(sources), their_lists, pairs)


def _readable(p: Path) -> Path:
    if not p.is_file():
        raise QinglianError("找不到交换文件", "exchange file not found", file=str(p),
                            hint_zh="检查路径；交换文件由 qinglian exchange export 生成",
                            hint_en="check the path; exchange files are written by qinglian exchange export")
    return p


def _check_file(con: duckdb.DuckDBPyConnection, p: Path, key: bytes) -> None:
    """Refuse anything that is not an export made under this agency key."""
    hint_zh, hint_en = "交换文件须由 qinglian exchange export 生成", "exchange files are written by qinglian exchange export"
    try:
        meta = dict(con.execute(
            "SELECT key::VARCHAR, value::VARCHAR FROM parquet_kv_metadata(?)", [str(p)]).fetchall())
        cols = [str(r[0]) for r in con.execute(
            "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL", [str(p)]).fetchall()]
    except duckdb.Error:
        raise QinglianError("不是可读的 Parquet 交换文件", "not a readable Parquet exchange file", file=str(p),
                            hint_zh=hint_zh, hint_en=hint_en) from None
    if meta.get("format") != FORMAT or sorted(cols) != sorted(COLUMNS):
        raise QinglianError("不是 Qinglian 名单交换文件（格式或列不符）",
                            "not a Qinglian list exchange file (format or columns differ)", file=str(p),
                            hint_zh=hint_zh, hint_en=hint_en)
    if meta.get("key_check") != key_check(key):
        raise QinglianError("交换文件使用的机构密钥与本机不同，假名无法比对",
                            "the exchange file was made under another agency key; the pseudonyms cannot match",
                            file=str(p),
                            hint_zh="双方须使用同一密钥（QINGLIAN_KEY 或 QINGLIAN_KEY_FILE）重新导出",
                            hint_en="both sides must use the same key (QINGLIAN_KEY or QINGLIAN_KEY_FILE) and export again")


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


