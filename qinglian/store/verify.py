"""`qinglian verify`: recompute every evidence hash, every digest the custody log holds, the
log's chain and its anchors; say exactly what differs.

What is checked:
- each evidence file against its recorded hash, and its stored name (which carries the hash it
  was stored under) against both; files in evidence/ that the store does not list;
- evidence rows against ingest entries, both ways (a file's rows and evidence row deleted
  together still leave its entry; a row added without an ingest has none);
- each ingested sheet's rows against the digest and count its ingest entry logged, and its
  holder and site; rows of sheets no entry logged;
- each analysis table against the digest its latest entry logged;
- the chain (edited, inserted, removed entries), the head the store holds, and every head
  anchored outside the case (a rewritten history no longer contains them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from qinglian.i18n import t
from qinglian.store import anchor, custody, digest
from qinglian.store.case import Case, open_case
from qinglian.store.db import one
from qinglian.store.evidence import sha256_file, stored_name
from qinglian.store.schema import KINDS, rows_table


@dataclass
class VerifyReport:
    evidence_checked: int = 0
    log_entries: int = 0
    sheets_checked: int = 0
    tables_checked: int = 0
    anchors_checked: int = 0
    sheets_without_digest: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            lines = [
                t(
                    f"完好：{self.evidence_checked} 个证据文件哈希一致，保管日志 {self.log_entries} 条记录链完整",
                    f"intact: {self.evidence_checked} evidence files match their hashes; "
                    f"custody log chain of {self.log_entries} entries is unbroken",
                ),
                t(
                    f"内容核对：{self.sheets_checked} 个导入工作表、{self.tables_checked} 个分析结果表与日志中的摘要一致；"
                    f"{self.anchors_checked} 个外部锚定的日志头均在链中",
                    f"contents: {self.sheets_checked} ingested sheets and {self.tables_checked} analysis tables "
                    f"match the digests in the log; {self.anchors_checked} externally anchored heads are in the chain",
                ),
            ]
            if self.sheets_without_digest:
                lines.append(
                    t(
                        f"注意：{self.sheets_without_digest} 个工作表由早期版本导入，日志中没有行摘要，未能核对内容",
                        f"note: {self.sheets_without_digest} sheets were ingested by an earlier version without row "
                        "digests; their contents could not be checked",
                    )
                )
            return lines
        head = t(f"发现 {len(self.problems)} 处不一致：", f"{len(self.problems)} problems found:")
        return [head, *(f"- {p}" for p in self.problems)]


def verify_case(root: Path, *, anchor_log: Path | None = None) -> VerifyReport:
    case = open_case(root)  # completes or undoes what a crashed writer left first
    report = VerifyReport()
    entries = custody.valid_entries(case.custody_path)
    with case.connect(read_only=True) as con:
        _check_evidence(case, con, report)
        _check_ingests(con, entries, report)
        _check_tables(con, entries, report)
        head_row = one(con, "SELECT seq, hash FROM custody_head ORDER BY seq DESC LIMIT 1")
    head = (int(head_row[0]), str(head_row[1])) if head_row else None
    report.log_entries = custody.read_entries_lenient(case.custody_path)
    for cp in custody.check_chain(case.custody_path, head):
        where = (
            t(f"保管日志第 {cp.line} 行", f"custody log line {cp.line}")
            if cp.line
            else t("保管日志", "custody log")
        )
        seq = t(f"（第 {cp.seq} 条）", f" (entry {cp.seq})") if cp.seq is not None else ""
        report.problems.append(f"{where}{seq}: {t(cp.problem_zh, cp.problem_en)}")
    _check_anchors(case, entries, anchor_log, report)
    return report


def _check_evidence(case: Case, con: duckdb.DuckDBPyConnection, report: VerifyReport) -> None:
    rows = con.execute("SELECT sha256, file_name, stored_path FROM evidence ORDER BY stored_path").fetchall()
    registered: set[Path] = set()
    for sha, name, stored in rows:
        path = case.root / stored
        registered.add(path.resolve())
        report.evidence_checked += 1
        expected = "evidence/" + stored_name(sha, name)
        if stored != expected:
            report.problems.append(
                t(
                    f"证据登记被改动：{stored}（{name}）的存放名与登记哈希 {sha[:16]}… 不符（存放名记录的是入库时的哈希）",
                    f"evidence record altered: the stored name {stored} ({name}) does not match its recorded "
                    f"hash {sha[:16]}… (the name carries the hash it was stored under)",
                )
            )
        if not path.is_file():
            report.problems.append(
                t(f"证据文件缺失：{stored}（{name}）", f"evidence file missing: {stored} ({name})")
            )
            continue
        actual = sha256_file(path)
        if actual != sha:
            report.problems.append(
                t(
                    f"证据文件被改动：{stored}（{name}），登记哈希 {sha[:16]}…，实际 {actual[:16]}…",
                    f"evidence file altered: {stored} ({name}), recorded {sha[:16]}…, actual {actual[:16]}…",
                )
            )
        elif not Path(stored).name.startswith(actual):
            report.problems.append(
                t(
                    f"证据文件 {stored}（{name}）的内容哈希 {actual[:16]}… 与其存放名不符",
                    f"evidence file {stored} ({name}) hashes to {actual[:16]}…, not the hash in its stored name",
                )
            )
    if case.evidence_dir.is_dir():
        for p in sorted(case.evidence_dir.rglob("*")):
            if p.is_file() and p.resolve() not in registered:
                rel = p.relative_to(case.root)
                report.problems.append(
                    t(f"证据目录中有未登记的文件：{rel}", f"unregistered file in the evidence folder: {rel}")
                )


def _ingest_items(entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(entry, evidence item) for every file an ingest entry recorded."""
    out = []
    for e in entries:
        if e.get("action") != "ingest":
            continue
        for item in (e.get("details") or {}).get("evidence") or []:
            if isinstance(item, dict) and isinstance(item.get("sha256"), str):
                out.append((e, item))
    return out


def _check_ingests(con: duckdb.DuckDBPyConnection, entries: list[dict[str, Any]], report: VerifyReport) -> None:
    items = _ingest_items(entries)
    logged = {item["sha256"]: (e, item) for e, item in items}
    stored = {
        str(r[0]): (str(r[1]), r[2], str(r[3]))
        for r in con.execute("SELECT sha256, holder, site, file_name FROM evidence").fetchall()
    }
    for sha, (holder, _site, name) in sorted(stored.items()):
        if sha not in logged:
            report.problems.append(
                t(
                    f"证据 {name}（{sha[:16]}…，被检查单位 {holder}）在案件库中，但保管日志中没有它的导入记录",
                    f"evidence {name} ({sha[:16]}…, holder {holder}) is in the store but no ingest entry "
                    "in the custody log recorded it",
                )
            )
    for sha, (e, item) in sorted(logged.items()):
        logged_holder = (e.get("args") or {}).get("holder")
        if sha not in stored:
            report.problems.append(
                t(
                    f"保管日志第 {e.get('seq')} 条导入的证据 {item.get('file')}（{sha[:16]}…，被检查单位 {logged_holder}）"
                    f"已不在案件库中（登记了 {item.get('rows')} 行）",
                    f"evidence {item.get('file')} ({sha[:16]}…, holder {logged_holder}) ingested by custody entry "
                    f"{e.get('seq')} is no longer in the store ({item.get('rows')} rows were logged)",
                )
            )
        elif stored[sha][0] != logged_holder:
            report.problems.append(
                t(
                    f"证据 {item.get('file')}（{sha[:16]}…）的被检查单位被改为 {stored[sha][0]}，日志记录为 {logged_holder}",
                    f"evidence {item.get('file')} ({sha[:16]}…) now belongs to holder {stored[sha][0]}; "
                    f"the log says {logged_holder}",
                )
            )
    _check_sheets(con, items, report)


def _check_sheets(
    con: duckdb.DuckDBPyConnection, items: list[tuple[dict[str, Any], dict[str, Any]]], report: VerifyReport
) -> None:
    sheets = {
        (str(r[1]), str(r[4]), r[5]): (int(r[0]), str(r[2]), r[3])
        for r in con.execute(
            "SELECT sheet_id, kind, holder, site, evidence_sha256, sheet FROM record_sheets"
        ).fetchall()
    }
    seen: set[int] = set()
    for e, item in items:
        args = e.get("args") or {}
        logged_sheets = item.get("sheets")
        if logged_sheets is None:
            # Ingested before digests were logged: the sheets are accounted for, not checked.
            for key, (sid, _, _) in sheets.items():
                if key[1] == item["sha256"]:
                    seen.add(sid)
                    report.sheets_without_digest += 1
            continue
        for s in logged_sheets:
            key = (str(s.get("kind")), item["sha256"], s.get("sheet"))
            where = f"{item.get('file')}" + (f"［{s.get('sheet')}］" if s.get("sheet") else "")
            kind = rows_table(key[0]) if key[0] in KINDS else key[0]
            if key not in sheets:
                if s.get("rows"):
                    report.problems.append(
                        t(
                            f"{kind}：被检查单位 {args.get('holder')} 的 {where} 的 {s.get('rows')} 行已全部不在案件库中",
                            f"{kind}: all {s.get('rows')} rows of {where} (holder {args.get('holder')}) "
                            "are gone from the store",
                        )
                    )
                continue
            sid, holder, site = sheets[key]
            seen.add(sid)
            report.sheets_checked += 1
            if holder != args.get("holder") or site != args.get("site"):
                report.problems.append(
                    t(
                        f"{kind}：{where} 的被检查单位/地点被改为 {holder}/{site or '-'}，日志记录为 "
                        f"{args.get('holder')}/{args.get('site') or '-'}",
                        f"{kind}: {where} now belongs to holder/site {holder}/{site or '-'}; the log says "
                        f"{args.get('holder')}/{args.get('site') or '-'}",
                    )
                )
            now = digest.sheet_digest(con, key[0], sid)
            if now.sha256 != s.get("digest"):
                report.problems.append(
                    t(
                        f"{kind}：被检查单位 {holder} 的 {where} 的行内容与导入时的摘要不符"
                        f"（导入 {s.get('rows')} 行，现有 {now.rows} 行）",
                        f"{kind}: the rows of {where} (holder {holder}) differ from the digest logged at ingest "
                        f"({s.get('rows')} rows ingested, {now.rows} now)",
                    )
                )
    for (kind, sha, sheet), (sid, holder, _) in sorted(sheets.items(), key=lambda kv: kv[1][0]):
        if sid in seen:
            continue
        row = one(con, f"SELECT count(*) FROM {rows_table(kind)} WHERE sheet_id = ?", [sid]) if kind in KINDS else None
        where = sha[:16] + "…" + (f"［{sheet}］" if sheet else "")
        report.problems.append(
            t(
                f"{kind}：被检查单位 {holder} 的 {row[0] if row else '?'} 行（证据 {where}）没有任何导入记录",
                f"{kind}: {row[0] if row else '?'} rows of holder {holder} (evidence {where}) were not written by "
                "any logged ingest",
            )
        )
    for kind in KINDS:
        row = one(
            con,
            f"SELECT count(*) FROM {rows_table(kind)} r WHERE NOT EXISTS "
            "(SELECT 1 FROM record_sheets s WHERE s.sheet_id = r.sheet_id)",
        )
        if row and row[0]:
            report.problems.append(
                t(
                    f"{rows_table(kind)}：{row[0]} 行不属于任何登记的工作表",
                    f"{rows_table(kind)}: {row[0]} rows belong to no registered sheet",
                )
            )


def _check_tables(con: duckdb.DuckDBPyConnection, entries: list[dict[str, Any]], report: VerifyReport) -> None:
    last: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for e in entries:
        tables = (e.get("details") or {}).get("tables")
        if isinstance(tables, dict):
            for name, logged in tables.items():
                if isinstance(logged, dict):
                    last[str(name)] = (e, logged)
    for name, (e, logged) in sorted(last.items()):
        report.tables_checked += 1
        try:
            now = digest.table_summary(con, name)
        except LookupError:
            report.problems.append(
                t(
                    f"分析结果表 {name} 已不存在（保管日志第 {e.get('seq')} 条 {e.get('action')} 记录了 {logged.get('rows')} 行）",
                    f"analysis table {name} is gone (custody entry {e.get('seq')} {e.get('action')} logged "
                    f"{logged.get('rows')} rows)",
                )
            )
            continue
        if now.sha256 != logged.get("sha256"):
            report.problems.append(
                t(
                    f"分析结果表 {name} 的内容与保管日志第 {e.get('seq')} 条（{e.get('action')}）记录的摘要不符"
                    f"（记录 {logged.get('rows')} 行，现有 {now.rows} 行）",
                    f"analysis table {name} differs from the digest logged by custody entry {e.get('seq')} "
                    f"({e.get('action')}): {logged.get('rows')} rows logged, {now.rows} now",
                )
            )


def _check_anchors(
    case: Case, entries: list[dict[str, Any]], anchor_log: Path | None, report: VerifyReport
) -> None:
    by_seq = {e.get("seq"): e for e in entries}
    for a, problem in anchor.anchors_for(case, entries, anchor_log):
        report.anchors_checked += 1
        when = a.get("time", "?")
        if problem is not None:
            report.problems.append(problem)
            continue
        entry = by_seq.get(a.get("seq"))
        if entry is None:
            report.problems.append(
                t(
                    f"{when} 在外部锚定的日志头（第 {a.get('seq')} 条，{str(a.get('hash'))[:16]}…）已不在保管日志中（日志被截短或重写）",
                    f"the head anchored at {when} (entry {a.get('seq')}, {str(a.get('hash'))[:16]}…) is no longer "
                    "in the custody log (cut short or rewritten)",
                )
            )
        elif entry.get("hash") != a.get("hash"):
            report.problems.append(
                t(
                    f"保管日志第 {a.get('seq')} 条与 {when} 在外部锚定的日志头不符：历史记录被重写",
                    f"custody entry {a.get('seq')} differs from the head anchored at {when}: the history was rewritten",
                )
            )
