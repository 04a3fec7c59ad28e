"""``analyze_campaigns``: cluster a case's SMS contents and dialer scripts into campaigns and store them.

Tables written (replaced on every run, so running twice leaves the same rows):

- ``campaigns(campaign_id, kind, template, messages, accounts, signatures, holders,
  peak_day, peak_count, first_seen, last_seen)`` — one row per campaign of at least
  ``min_messages`` messages; ``kind`` is ``sms`` or ``call`` (a dialer script);
  accounts, signatures and holders are JSON arrays.
- ``campaign_members(campaign_id, evidence_sha256, sheet, row_no)`` — every message.
- ``campaign_daily(campaign_id, day, sends)`` — sends (or calls) per day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from qinglian import __version__
from qinglian.detect.campaigns.cluster import Params, cluster_texts
from qinglian.i18n import t
from qinglian.store import tables
from qinglian.store.case import Case
from qinglian.store.db import begin, commit, rollback

ANALYSIS = "campaigns"

# (kind, source query): the text, when, who sent it, and the provenance of each message.
_SOURCES: tuple[tuple[str, str], ...] = (
    (
        "sms",
        r"""SELECT holder, evidence_sha256, sheet, row_no, account, signature, sent_at AS ts,
                  content AS text
           FROM sms
           WHERE content IS NOT NULL AND trim(content) <> ''
             -- consumers' replies (上行, 回复, MO) are not sends of a campaign
             AND (status IS NULL OR NOT regexp_matches(status, '上行|回复|^\s*MO\s*$'))
           ORDER BY evidence_sha256, sheet, row_no""",
    ),
    (
        "call",
        """SELECT holder, evidence_sha256, sheet, row_no, account, NULL::VARCHAR AS signature,
                  started_at AS ts, script AS text
           FROM calls WHERE script IS NOT NULL AND trim(script) <> ''
           ORDER BY evidence_sha256, sheet, row_no""",
    ),
)

_PREFIX = {"sms": "SMS", "call": "CALL"}


@dataclass(frozen=True)
class CampaignSummary:
    """What a run found, per kind (sms, call): messages read, campaigns stored, messages in them."""

    messages: dict[str, int]
    campaigns: dict[str, int]
    members: dict[str, int]

    def summary(self) -> dict[str, Any]:
        return {"messages": self.messages, "campaigns": self.campaigns, "members": self.members}

    def lines(self) -> list[str]:
        sms, call = "sms", "call"
        return [
            t(
                f"营销活动：短信 {self.campaigns.get(sms, 0)} 个（覆盖 {self.members.get(sms, 0)} / "
                f"{self.messages.get(sms, 0)} 条短信），外呼话术 {self.campaigns.get(call, 0)} 个"
                f"（{self.members.get(call, 0)} / {self.messages.get(call, 0)} 通电话）",
                f"campaigns: {self.campaigns.get(sms, 0)} SMS campaigns ({self.members.get(sms, 0)} of "
                f"{self.messages.get(sms, 0)} messages), {self.campaigns.get(call, 0)} call scripts "
                f"({self.members.get(call, 0)} of {self.messages.get(call, 0)} calls)",
            )
        ]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in (tables.CAMPAIGNS, tables.CAMPAIGN_MEMBERS, tables.CAMPAIGN_DAILY):
        tables.create(con, table)


def _labelled(kind: str, rows: pa.Table, params: Params, min_messages: int) -> tuple[pa.Table, int]:
    """The rows of campaigns with at least min_messages, with campaign_id and template columns."""
    clustering = cluster_texts(pl.Series("text", rows.column("text"), dtype=pl.Utf8), params)
    kept = clustering.sizes >= min_messages  # per label
    labels = clustering.labels
    rows_kept = np.flatnonzero(np.append(kept, False)[labels])  # label -1 (no text) reads the False
    label_of_row = pa.array(labels[rows_kept])
    ids = pa.array([f"{_PREFIX[kind]}-{lab + 1:04d}" for lab in range(len(kept))], pa.string())
    templates = pa.array(clustering.templates, pa.string())
    # the texts are not stored; ids and templates repeat per campaign, so kept as dictionaries
    table = rows.drop_columns(["text"]).take(pa.array(rows_kept))
    table = table.append_column("campaign_id", pa.DictionaryArray.from_arrays(label_of_row, ids))
    table = table.append_column("template", pa.DictionaryArray.from_arrays(label_of_row, templates))
    return table, int(kept.sum())


def _insert(con: duckdb.DuckDBPyConnection, kind: str, msgs: pa.Table) -> None:
    con.register("_campaign_msgs", msgs)
    try:
        con.execute(
            """INSERT INTO campaign_members
               SELECT campaign_id, evidence_sha256, sheet, row_no FROM _campaign_msgs"""
        )
        con.execute(
            """INSERT INTO campaign_daily
               SELECT campaign_id, CAST(ts AS DATE) AS day, count(*) FROM _campaign_msgs
               WHERE ts IS NOT NULL GROUP BY ALL"""
        )
        con.execute(
            """INSERT INTO campaigns
               WITH peak AS (
                   SELECT campaign_id, day, sends,
                          row_number() OVER (PARTITION BY campaign_id ORDER BY sends DESC, day) AS r
                   FROM campaign_daily
               )
               SELECT m.campaign_id, ?, any_value(m.template), count(*),
                      to_json(coalesce(list(DISTINCT m.account ORDER BY m.account)
                                       FILTER (WHERE m.account IS NOT NULL), [])),
                      to_json(coalesce(list(DISTINCT m.signature ORDER BY m.signature)
                                       FILTER (WHERE m.signature IS NOT NULL), [])),
                      to_json(coalesce(list(DISTINCT m.holder ORDER BY m.holder)
                                       FILTER (WHERE m.holder IS NOT NULL), [])),
                      any_value(p.day), any_value(p.sends), min(m.ts), max(m.ts)
               FROM _campaign_msgs m
               LEFT JOIN peak p ON p.campaign_id = m.campaign_id AND p.r = 1
               GROUP BY m.campaign_id""",
            [kind],
        )
    finally:
        con.unregister("_campaign_msgs")


def analyze_campaigns(
    case: Case,
    con: duckdb.DuckDBPyConnection,
    *,
    params: Params | None = None,
    min_messages: int = 2,
    user: str | None = None,
) -> CampaignSummary:
    """Cluster the case's SMS contents and dialer scripts into campaigns; replace the stored ones.

    Runs in one transaction on ``con`` and records the run in ``analysis_runs``. It does not
    write the custody log: ``qinglian analyze`` logs all its analyses at once, and
    :func:`run_campaigns` logs a run on its own. (``user`` is accepted for callers that pass it.)
    """
    p = params or Params()
    ensure_tables(con)
    labelled: dict[str, tuple[pa.Table, int, int]] = {}
    for kind, query in _SOURCES:
        rows = con.sql(query).to_arrow_table()
        msgs, n_campaigns = _labelled(kind, rows, p, min_messages)
        labelled[kind] = (msgs, n_campaigns, rows.num_rows)
    run_params = {**p.as_dict(), "min_messages": min_messages}
    own = begin(con)
    try:
        con.execute("DELETE FROM campaign_daily")
        con.execute("DELETE FROM campaign_members")
        con.execute("DELETE FROM campaigns")
        for kind, (msgs, _, _) in labelled.items():
            _insert(con, kind, msgs)
        con.execute("DELETE FROM analysis_runs WHERE analysis = ?", [ANALYSIS])
        con.execute(
            "INSERT INTO analysis_runs VALUES (?, ?, now()::TIMESTAMP, ?)",
            [ANALYSIS, __version__, json.dumps(run_params)],
        )
        commit(con, own)
    except BaseException:
        rollback(con, own)
        raise
    return CampaignSummary(
        messages={k: v[2] for k, v in labelled.items()},
        campaigns={k: v[1] for k, v in labelled.items()},
        members={k: v[0].num_rows for k, v in labelled.items()},
    )


def run_campaigns(case: Case, *, min_messages: int = 2, user: str | None = None) -> CampaignSummary:
    """Campaigns on their own (outside ``qinglian analyze``): analyse, store, write the custody log."""
    with case.connect() as con:
        result = analyze_campaigns(case, con, min_messages=min_messages)
        case.log(
            "analyze.campaigns", {"min_messages": min_messages}, user=user, details=result.summary(), con=con
        )
    return result
