"""Listing charges, opening their evidence, and recording a reviewer's decision."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from qinglian.charges.evidence import Query, rows
from qinglian.errors import QinglianError
from qinglian.i18n import language, t
from qinglian.privacy import mask_text
from qinglian.store import tables as T
from qinglian.store.case import Case, open_case
from qinglian.store.db import columns_of

STATUSES = ("proposed", "confirmed", "rejected", "needs_more")
STATUS_ZH = {"proposed": "待复核", "confirmed": "已确认", "rejected": "已驳回", "needs_more": "需补充证据"}
STRENGTH_ZH = {"strong": "强", "moderate": "中"}


def _need_charges(con: duckdb.DuckDBPyConnection, case: Case) -> None:
    if not columns_of(con, "charges"):
        raise QinglianError(
            "该案件尚未生成违法事实（指控）", "the case has no charges yet", file=str(case.root),
            hint_zh="先运行 qinglian charges CASE --rebuild", hint_en="run qinglian charges CASE --rebuild first",
        )


def list_charges(case: Case, holder: str | None = None) -> list[dict[str, Any]]:
    """One dict per charge: id, holder, conduct, provisions, status and the rest of its row."""
    with case.connect(read_only=True) as con:
        _need_charges(con, case)
        sql = T.CHARGES.select() + (" WHERE holder = ?" if holder else "") + " ORDER BY holder, conduct, charge_id"
        cur = con.execute(sql, [holder] if holder else [])
        names = [d[0] for d in cur.description]
        out = []
        for r in cur.fetchall():
            d = dict(zip(names, r, strict=True))
            for k in ("provisions", "scale", "strength_reasons", "rebuttal", "evidence_query"):
                d[k] = json.loads(d[k]) if d[k] else None
            d["id"] = d["charge_id"]
            out.append(d)
        return out


def list_leads(case: Case, holder: str | None = None) -> list[dict[str, Any]]:
    with case.connect(read_only=True) as con:
        if not columns_of(con, "leads"):
            return []
        sql = T.LEADS.select() + (" WHERE holder = ?" if holder else "") + " ORDER BY holder, conduct"
        cur = con.execute(sql, [holder] if holder else [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _date(v: Any) -> str:
    return v.date().isoformat() if isinstance(v, datetime) else ("" if v is None else str(v))


def charge_lines(charges: list[dict[str, Any]], leads: list[dict[str, Any]]) -> list[str]:
    """The table the CLI prints: Chinese by default; names of companies as they are, PI masked."""
    zh = language() == "zh"
    out = [t("编号\t当事人\t违法行为\t条文\t期间\t强度\t状态", "id\tparty\tconduct\tprovisions\tperiod\tstrength\tstatus")]
    for c in charges:
        cites = "；".join(p["cite"] for p in c["provisions"] or [] if p["role"] == "breach") or t("（移送）", "(referral)")
        status = STATUS_ZH.get(c["status"], c["status"]) if zh else c["status"]
        if c.get("evidence_changed"):
            status += t("（证据已变化）", " (evidence changed)")
        out.append("\t".join([
            c["charge_id"], c["holder"], c["conduct_zh"] if zh else c["conduct_en"], cites,
            f"{_date(c['first_at'])}~{_date(c['last_at'])}",
            STRENGTH_ZH.get(c["strength"], c["strength"]) if zh else c["strength"], status,
        ]))
        out.append("    " + mask_text(c["facts_zh"] if zh else c["facts_en"]))
    if leads:
        out.append(t(f"线索（不构成违法认定）{len(leads)} 条：", f"leads (not charges): {len(leads)}"))
        for lead in leads:
            out.append(f"  {lead['lead_id']}\t{lead['holder']}\t{lead['conduct']}\t"
                       + mask_text(lead["reason_zh"] if zh else lead["reason_en"]))
    return out


def evidence_lines(case: Case, charge: str, limit: int | None = None) -> list[str]:
    """The full supporting set of a charge (or lead): file, sheet, row, masked quote."""
    with case.connect(read_only=True) as con:
        _need_charges(con, case)
        row = con.execute("SELECT evidence_query FROM charges WHERE charge_id = ?", [charge]).fetchone()
        if row is None and columns_of(con, "leads"):
            row = con.execute("SELECT evidence_query FROM leads WHERE lead_id = ?", [charge]).fetchone()
        if row is None:
            raise QinglianError(f"没有编号为 {charge} 的指控或线索", f"no charge or lead {charge}",
                                hint_zh="用 qinglian charges CASE 查看编号", hint_en="list ids with qinglian charges CASE")
        queries = [Query.from_json(d) for d in json.loads(row[0] or "[]")]
        found = rows(con, queries, limit)
    out = [t("文件\t工作表\t行号\t时间\t内容", "file\tsheet\trow\ttime\tcontent")]
    for r in found:
        quote = mask_text(str(r["quote"] or ""))[:120]
        out.append(f"{r['file_name'] or r['evidence_sha256'][:12]}\t{r['sheet'] or ''}\t{r['row_no']}\t{_date(r['ts'])}\t{quote}")
    out.append(t(f"共 {len(found)} 行", f"{len(found)} rows"))
    return out


def review_charge(case: Case, charge: str, status: str, reason: str, user: str | None = None) -> dict[str, Any]:
    """Record a reviewer's decision (kept across re-runs) and log it in the custody log."""
    if status not in STATUSES:
        raise QinglianError(f"未知的复核结论：{status}", f"unknown review status: {status}")
    if not reason.strip():
        raise QinglianError("复核须说明理由", "a review needs a reason", hint_zh="加 --reason", hint_en="add --reason")
    reviewer = user or getpass.getuser()
    with case.connect() as con:
        _need_charges(con, case)
        row = con.execute("SELECT evidence_digest, holder, conduct FROM charges WHERE charge_id = ?", [charge]).fetchone()
        if row is None:
            raise QinglianError(f"没有编号为 {charge} 的指控", f"no charge {charge}",
                                hint_zh="用 qinglian charges CASE 查看编号", hint_en="list ids with qinglian charges CASE")
        now = datetime.now()
        T.insert(con, T.CHARGE_REVIEWS, [{"charge_id": charge, "status": status, "reviewer": reviewer, "reason": reason,
                                          "reviewed_at": now, "evidence_digest": row[0]}])
        con.execute(
            "UPDATE charges SET status = ?, reviewer = ?, review_reason = ?, evidence_changed = FALSE WHERE charge_id = ?",
            [status, reviewer, reason, charge])
        case.log("review", {"charge": charge, "status": status}, user=reviewer,
                 details={"reason": reason, "evidence_digest": row[0], "conduct": row[2]}, con=con,
                 tables=("charge_reviews",))
    return {"charge_id": charge, "status": status, "reviewer": reviewer}


def charges_command(case_dir: Path, holder: str | None = None, as_json: bool = False, evidence: str | None = None,
                    rebuild: bool = False, user: str | None = None, limit: int | None = None) -> list[str]:
    """What `qinglian charges` prints."""
    case = open_case(case_dir)
    out: list[str] = []
    if rebuild:
        from qinglian.charges.build import build_charges

        with case.connect() as con:
            out += build_charges(case, con, user=user).lines()
    if evidence:
        return out + evidence_lines(case, evidence, limit)
    charges = list_charges(case, holder)
    if as_json:
        for c in charges:
            c.pop("evidence_query", None)
        return [json.dumps(c, ensure_ascii=False, default=str) for c in charges]
    return out + charge_lines(charges, list_leads(case, holder))
