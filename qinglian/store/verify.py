"""`qinglian verify`: recompute every evidence hash and the custody chain; say exactly what differs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qinglian.i18n import t
from qinglian.store import custody
from qinglian.store.case import open_case
from qinglian.store.db import one
from qinglian.store.evidence import sha256_file


@dataclass
class VerifyReport:
    evidence_checked: int = 0
    log_entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            return [
                t(
                    f"完好：{self.evidence_checked} 个证据文件哈希一致，保管日志 {self.log_entries} 条记录链完整",
                    f"intact: {self.evidence_checked} evidence files match their hashes; "
                    f"custody log chain of {self.log_entries} entries is unbroken",
                )
            ]
        head = t(f"发现 {len(self.problems)} 处不一致：", f"{len(self.problems)} problems found:")
        return [head, *(f"- {p}" for p in self.problems)]


def verify_case(root: Path) -> VerifyReport:
    case = open_case(root)
    report = VerifyReport()
    with case.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT sha256, file_name, stored_path FROM evidence ORDER BY stored_path"
        ).fetchall()
        head_row = one(con, "SELECT seq, hash FROM custody_head")
    registered: set[Path] = set()
    for sha, name, stored in rows:
        path = case.root / stored
        registered.add(path.resolve())
        report.evidence_checked += 1
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
    if case.evidence_dir.is_dir():
        for p in sorted(case.evidence_dir.rglob("*")):
            if p.is_file() and p.resolve() not in registered:
                rel = p.relative_to(case.root)
                report.problems.append(
                    t(f"证据目录中有未登记的文件：{rel}", f"unregistered file in the evidence folder: {rel}")
                )
    head = (int(head_row[0]), str(head_row[1])) if head_row else None
    entries = custody.read_entries_lenient(case.custody_path)
    report.log_entries = entries
    for cp in custody.check_chain(case.custody_path, head):
        where = (
            t(f"保管日志第 {cp.line} 行", f"custody log line {cp.line}")
            if cp.line
            else t("保管日志", "custody log")
        )
        seq = t(f"（第 {cp.seq} 条）", f" (entry {cp.seq})") if cp.seq is not None else ""
        report.problems.append(f"{where}{seq}: {t(cp.problem_zh, cp.problem_en)}")
    return report
