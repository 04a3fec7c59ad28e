"""Every table that passes between stages, declared once: columns, types, key, writer, readers.

Writers create their tables from these declarations (``create``); readers select the named
columns; test fixtures are built through ``insert`` so that they have exactly the shape the real
stage writes. A contract test runs the pipeline on a small generated case and checks that every
declared table exists with exactly its declared columns and types and that nothing undeclared
crosses a seam.

The record kinds (``calls``, ``sms``, ...) and their ``<kind>_rows`` tables are declared in
``qinglian.store.schema``; they are ingest's output and are listed here as views by
``record_views()`` so the contract covers them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

from qinglian.store.sqlident import quote_ident as q

Stage = Literal[
    "store", "ingest", "detect.pi", "detect.text", "detect.campaigns", "detect.behaviour", "detect.claims",
    "link", "exchange", "charges", "report", "web",
]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type as information_schema.columns.data_type reports it, e.g. VARCHAR
    doc: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    """A table one stage writes and later stages read."""

    name: str
    columns: tuple[Column, ...]
    writer: Stage
    readers: tuple[Stage, ...]
    doc: str
    key: tuple[str, ...] = ()
    # kept when the writing stage runs again (e.g. reviews, cross-case overlaps)
    persistent: bool = False
    compression: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    def ddl(self, *, if_not_exists: bool = True) -> str:
        cols = []
        for c in self.columns:
            spec = f"{q(c.name)} {c.type}"
            if not c.nullable:
                spec += " NOT NULL"
            if c.name in self.compression:
                spec += f" USING COMPRESSION {self.compression[c.name]}"
            cols.append(spec)
        if self.key:
            cols.append(f"PRIMARY KEY ({', '.join(q(k) for k in self.key)})")
        exists = "IF NOT EXISTS " if if_not_exists else ""
        return f"CREATE TABLE {exists}{q(self.name)} (\n    " + ",\n    ".join(cols) + "\n)"

    def select(self, *names: str) -> str:
        """``SELECT <names> FROM <table>``: readers name what they read (every column by default)."""
        wanted = names or self.names
        for n in wanted:
            self.column(n)
        return f"SELECT {', '.join(q(n) for n in wanted)} FROM {q(self.name)}"


TABLES: dict[str, Table] = {}


def declare(
    name: str,
    columns: Sequence[tuple[str, str] | tuple[str, str, str] | Column],
    *,
    writer: Stage,
    readers: Iterable[Stage],
    doc: str,
    key: Sequence[str] = (),
    persistent: bool = False,
    compression: Mapping[str, str] | None = None,
) -> Table:
    """Register a table; columns as ``(name, type[, doc])`` or ``Column`` (NOT NULL via Column)."""
    if name in TABLES:
        raise ValueError(f"table {name} declared twice")
    cols = tuple(c if isinstance(c, Column) else Column(*c) for c in columns)
    table = Table(name, cols, writer, tuple(readers), doc, tuple(key), persistent, dict(compression or {}))
    TABLES[name] = table
    return table


def table(name: str) -> Table:
    return TABLES[name]


def create(con: duckdb.DuckDBPyConnection, t: Table, *, replace: bool = False) -> None:
    """Create ``t`` from its declaration; ``replace`` drops an earlier copy first (a stage's re-run)."""
    if replace:
        con.execute(f"DROP TABLE IF EXISTS {q(t.name)}")
    con.execute(t.ddl())


def insert(con: duckdb.DuckDBPyConnection, t: Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert rows given as dicts (missing columns NULL, unknown ones refused); creates the table.

    For fixtures and small writers; stages writing millions of rows insert from Arrow or SQL.
    """
    create(con, t)
    n = 0
    placeholders = ", ".join("?" for _ in t.columns)
    sql = f"INSERT INTO {q(t.name)} ({', '.join(q(c) for c in t.names)}) VALUES ({placeholders})"
    batch: list[list[Any]] = []
    for row in rows:
        unknown = set(row) - set(t.names)
        if unknown:
            raise KeyError(f"{t.name} has no column(s) {sorted(unknown)}")
        batch.append([row.get(c) for c in t.names])
        n += 1
    if batch:
        con.executemany(sql, batch)
    return n


# ---------------------------------------------------------------------------------------------
# charges: violation facts per party (written by qinglian.charges, read by report and web).
# ``charges`` and ``charge_evidence`` and ``leads`` are rebuilt on every run; ``charge_reviews``
# is kept: a review outlives re-runs and is matched to its charge by the stable id.
# ---------------------------------------------------------------------------------------------

CHARGES = declare(
    "charges",
    [
        Column("charge_id", "VARCHAR", "stable: hash of holder, conduct and provision keys", nullable=False),
        Column("holder", "VARCHAR", "the party (holder as ingested)", nullable=False),
        Column("conduct", "VARCHAR", "conduct type code (qinglian.charges.conduct.CONDUCTS)", nullable=False),
        ("conduct_zh", "VARCHAR", "conduct in Chinese, for reports"),
        ("conduct_en", "VARCHAR", "conduct in English"),
        ("provisions", "JSON", "list of {law, law_zh, article, version, effective, penalty_zh, penalty_en}"),
        ("first_at", "TIMESTAMP", "first conduct date in the supporting evidence"),
        ("last_at", "TIMESTAMP", "last conduct date in the supporting evidence"),
        ("scale", "JSON", "calls, sms, consumers, pi {category: {records, tier, threshold}}, money, rows"),
        ("facts_zh", "VARCHAR", "the violation fact in one or two sentences (no PI)"),
        ("facts_en", "VARCHAR", "the same in English"),
        ("strength", "VARCHAR", "strong | moderate"),
        ("strength_reasons", "JSON", "list of {zh, en}: what the evidence establishes"),
        ("rebuttal", "JSON", "list of {zh, en}: what would rebut the charge"),
        ("referral", "BOOLEAN", "a crime threshold or suspected fraud: draft a 移送"),
        ("evidence_query", "JSON", "the full supporting set: list of {table, where, params}"),
        ("evidence_rows", "BIGINT", "rows in the full supporting set"),
        ("evidence_digest", "VARCHAR", "SHA-256 over the sorted supporting (sha256, sheet, row) keys"),
        ("status", "VARCHAR", "proposed | confirmed | rejected | needs_more (latest review)"),
        ("reviewer", "VARCHAR", "who set the status"),
        ("review_reason", "VARCHAR", "why"),
        ("evidence_changed", "BOOLEAN", "the evidence differs from what the reviewer saw"),
        ("built_at", "TIMESTAMP", "when the charges stage wrote this row"),
    ],
    writer="charges",
    readers=("report", "web"),
    doc="One row per party x conduct: provisions in force, period, scale, strength, review status.",
    key=("charge_id",),
)

CHARGE_EVIDENCE = declare(
    "charge_evidence",
    [
        Column("charge_id", "VARCHAR", nullable=False),
        Column("rank", "INTEGER", "1..5, most representative first", nullable=False),
        ("kind", "VARCHAR", "record kind or table the item comes from"),
        ("evidence_sha256", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("sheet", "VARCHAR"),
        ("row_no", "BIGINT"),
        ("group_key", "VARCHAR", "campaign/template/category the item was chosen to represent"),
        ("quote", "VARCHAR", "the matched text or value (PI: mask on output)"),
        ("note_zh", "VARCHAR", "what this item shows"),
        ("note_en", "VARCHAR"),
    ],
    writer="charges",
    readers=("report", "web"),
    doc="Up to five representative evidence items per charge, chosen across templates and campaigns.",
    key=("charge_id", "rank"),
)

LEADS = declare(
    "leads",
    [
        Column("lead_id", "VARCHAR", "stable: hash of holder, conduct and source", nullable=False),
        Column("holder", "VARCHAR", nullable=False),
        Column("conduct", "VARCHAR", nullable=False),
        ("source", "VARCHAR", "the detection it comes from (label/rule/analysis)"),
        ("reason_zh", "VARCHAR", "why it is a lead and not a charge (which element is missing)"),
        ("reason_en", "VARCHAR"),
        ("rows", "BIGINT", "supporting rows"),
        ("first_at", "TIMESTAMP"),
        ("last_at", "TIMESTAMP"),
        ("evidence_query", "JSON", "as in charges"),
        ("sample_sha256", "VARCHAR"),
        ("sample_sheet", "VARCHAR"),
        ("sample_row", "BIGINT"),
        ("built_at", "TIMESTAMP"),
    ],
    writer="charges",
    readers=("report", "web"),
    doc="Detections that do not meet a provision's elements: shown apart, never cited as a breach.",
    key=("lead_id",),
)

CHARGE_REVIEWS = declare(
    "charge_reviews",
    [
        Column("charge_id", "VARCHAR", nullable=False),
        Column("status", "VARCHAR", "confirmed | rejected | needs_more | proposed", nullable=False),
        Column("reviewer", "VARCHAR", nullable=False),
        Column("reason", "VARCHAR", nullable=False),
        Column("reviewed_at", "TIMESTAMP", nullable=False),
        ("evidence_digest", "VARCHAR", "the charge's evidence digest the reviewer saw"),
    ],
    writer="charges",
    readers=("report", "web"),
    doc="Every review of a charge (history; the latest row is the status). Kept across re-runs.",
    persistent=True,
)


def record_tables() -> dict[str, list[tuple[str, str]]]:
    """The record kinds' views and ``<kind>_rows`` tables: (name, SQL type) per column.

    Declared in ``qinglian.store.schema`` (ingest writes them, every later stage reads them);
    types as information_schema reports them (NOT NULL left out).
    """
    from qinglian.store import schema

    out: dict[str, list[tuple[str, str]]] = {}
    for kind in schema.KINDS:
        out[kind] = [(n, t.split()[0]) for n, t in schema.columns(kind)]
        out[schema.rows_table(kind)] = [(n, t.split()[0]) for n, t in schema.row_columns(kind)]
    return out


# ---- store and ingest -------------------------------------------------------------------------

EVIDENCE = declare(
    "evidence",
    [
        Column("sha256", "VARCHAR", "SHA-256 of the file as seized", nullable=False),
        Column("file_name", "VARCHAR", "name the file had", nullable=False),
        Column("stored_path", "VARCHAR", "path under CASE/evidence", nullable=False),
        Column("size_bytes", "BIGINT", nullable=False),
        ("parent_sha256", "VARCHAR", "archive the file came from"),
        ("member_path", "VARCHAR", "path inside that archive"),
        ("holder", "VARCHAR"),
        ("site", "VARCHAR"),
        ("kind", "VARCHAR", "record kind it was read as"),
        ("encoding", "VARCHAR"),
        ("sheets", "JSON"),
        ("rows", "BIGINT"),
        Column("ingested_at", "TIMESTAMP", nullable=False),
        ("ingested_by", "VARCHAR"),
    ],
    key=("sha256",),
    writer="ingest",
    readers=("detect.pi", "link", "report", "web"),
    doc="One row per evidence file (archives and their members each get one).",
    persistent=True,
)

# No key index: on 700k new prefixes building it took most of the load.
PHONE_PREFIXES = declare(
    "phone_prefixes",
    [Column("prefix", "VARCHAR", "first 7 digits of a mobile", nullable=False),
     ("province", "VARCHAR"), ("city", "VARCHAR"), ("carrier", "VARCHAR")],
    writer="ingest",
    readers=("detect.behaviour", "link", "report"),
    doc="归属地 once per 7-digit prefix, joined to numbers, never stored per row.",
    persistent=True,
)

PHONE_PREFIX_SOURCES = declare(
    "phone_prefix_sources",
    [Column("source", "VARCHAR", nullable=False), Column("prefixes", "BIGINT", nullable=False)],
    writer="ingest",
    readers=("ingest",),
    doc="Which resolved-prefix tables (phonenumbers version) phone_prefixes has taken in.",
    persistent=True,
)

INGEST_NOTES = declare(
    "ingest_notes",
    [
        Column("evidence_sha256", "VARCHAR", nullable=False),
        ("sheet", "VARCHAR"),
        Column("field", "VARCHAR", nullable=False),
        Column("problem", "VARCHAR", nullable=False),
        Column("count", "BIGINT", nullable=False),
        ("first_row", "BIGINT"),
    ],
    writer="ingest",
    readers=("report",),
    doc="Values ingest could not normalise, counted per file, sheet, field and problem.",
    persistent=True,
)

CUSTODY_HEAD = declare(
    "custody_head",
    [Column("seq", "BIGINT", nullable=False), Column("hash", "VARCHAR", nullable=False)],
    writer="store",
    readers=("store", "report"),
    doc="The custody log's head as of the store's last write (checked by verify; printed on reports).",
    persistent=True,
)

RECORD_SHEETS = declare(
    "record_sheets",
    [
        Column("sheet_id", "INTEGER", nullable=False),
        Column("kind", "VARCHAR", nullable=False),
        Column("holder", "VARCHAR", nullable=False),
        ("site", "VARCHAR"),
        Column("evidence_sha256", "VARCHAR", nullable=False),
        ("sheet", "VARCHAR", "NULL for a CSV"),
    ],
    key=("sheet_id",),
    writer="ingest",
    readers=("store",),
    doc="One row per ingested sheet; the record views join it for their provenance columns.",
    persistent=True,
)

FINDINGS = declare(
    "findings",
    [
        Column("analysis", "VARCHAR", "the stage that found it", nullable=False),
        Column("label", "VARCHAR", "one of qinglian.labels.LABELS", nullable=False),
        ("score", "DOUBLE"),
        ("rule", "VARCHAR", "rule id of detect/text/rules.py"),
        ("law", "VARCHAR", "JSON list of provision ids in force on the record's date"),
        ("holder", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("field", "VARCHAR"),
        ("evidence_sha256", "VARCHAR"),
        ("sheet", "VARCHAR"),
        ("row_no", "BIGINT"),
        ("span_start", "INTEGER"),
        ("span_end", "INTEGER"),
        ("quote", "VARCHAR", "masked"),
        ("detail", "JSON"),
    ],
    writer="detect.text",
    readers=("link", "charges", "report", "web"),
    doc="One row per (record, label, supporting rule hit) of the text detectors.",
    persistent=True,
)

ANALYSIS_RUNS = declare(
    "analysis_runs",
    [
        Column("analysis", "VARCHAR", nullable=False),
        Column("version", "VARCHAR", nullable=False),
        Column("ran_at", "TIMESTAMP", nullable=False),
        ("params", "JSON"),
    ],
    writer="store",  # every stage appends the row of its own run
    readers=("report",),
    doc="Which stage ran, with which version and parameters.",
    persistent=True,
)

# ---- detect ------------------------------------------------------------------------------------

PI_INVENTORY = declare(
    "pi_inventory",
    [
        Column("holder", "VARCHAR", nullable=False),
        ("evidence_sha256", "VARCHAR", "NULL: the holder's total over all its files"),
        Column("category", "VARCHAR", "key of qinglian/data/pi_thresholds.yaml", nullable=False),
        Column("tier", "INTEGER", "threshold of the 2017 interpretation: 50, 500 or 5000", nullable=False),
        Column("subjects", "BIGINT", "distinct data subjects", nullable=False),
    ],
    writer="detect.pi",
    readers=("link", "charges", "report"),
    doc="Distinct data subjects per holder and category, in total and per evidence file.",
)

CAMPAIGNS = declare(
    "campaigns",
    [
        Column("campaign_id", "VARCHAR", "SMS-0001, CALL-0001, ...", nullable=False),
        Column("kind", "VARCHAR", "sms or call (a dialer script)", nullable=False),
        Column("template", "VARCHAR", nullable=False),
        Column("messages", "BIGINT", nullable=False),
        ("accounts", "JSON"),
        ("signatures", "JSON"),
        ("holders", "JSON"),
        ("peak_day", "DATE"),
        ("peak_count", "BIGINT"),
        ("first_seen", "TIMESTAMP"),
        ("last_seen", "TIMESTAMP"),
    ],
    key=("campaign_id",),
    writer="detect.campaigns",
    readers=("link", "charges", "report"),
    doc="Near-duplicate SMS contents and dialer scripts, one row per campaign with its template.",
)

CAMPAIGN_MEMBERS = declare(
    "campaign_members",
    [
        Column("campaign_id", "VARCHAR", nullable=False),
        Column("evidence_sha256", "VARCHAR", nullable=False),
        ("sheet", "VARCHAR"),
        Column("row_no", "BIGINT", nullable=False),
    ],
    writer="detect.campaigns",
    readers=("charges", "report"),
    doc="Every message or call of a campaign, by its evidence row.",
)

CAMPAIGN_DAILY = declare(
    "campaign_daily",
    [Column("campaign_id", "VARCHAR", nullable=False), Column("day", "DATE", nullable=False),
     Column("sends", "BIGINT", nullable=False)],
    writer="detect.campaigns",
    readers=("charges", "report"),
    doc="Sends (or calls) of a campaign per day.",
)

_CALL_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("calls", "BIGINT", ""),
    ("active_days", "BIGINT", ""),
    ("calls_per_day", "DOUBLE", ""),
    ("active_hours", "BIGINT", ""),
    ("distinct_callees", "BIGINT", ""),
    ("calls_per_callee", "DOUBLE", ""),
    ("answer_rate", "DOUBLE", ""),
    ("short_share", "DOUBLE", ""),
    ("mean_duration_s", "DOUBLE", ""),
    ("median_duration_s", "DOUBLE", ""),
    ("max_duration_s", "DOUBLE", ""),
    ("max_concurrent", "BIGINT", "lines in use at once"),
    ("gap_median_s", "DOUBLE", ""),
    ("gap_cv", "DOUBLE", "regularity of gaps between calls"),
    ("outside_hours_share", "DOUBLE", "calls outside 08:00-21:00"),
    ("numbers", "BIGINT", "calling numbers used"),
    ("handsets", "BIGINT", "distinct handsets, where exported"),
    ("outgoing_share", "DOUBLE", ""),
    ("calls_after_objection", "BIGINT", "calls after a complaint or refusal"),
)
_SCORED: tuple[tuple[str, str, str], ...] = (
    ("score", "DOUBLE", ""),
    ("flag", "BOOLEAN", "mass calling"),
    ("reasons", "VARCHAR", "features and thresholds that drove the flag"),
)

BEHAVIOUR_NUMBERS = declare(
    "behaviour_numbers",
    [("number", "VARCHAR", "calling number"), *_CALL_MEASURES, *_SCORED],
    writer="detect.behaviour",
    readers=("link", "charges", "report"),
    doc="Call measures per calling number, scored for mass calling.",
)

BEHAVIOUR_ACCOUNTS = declare(
    "behaviour_accounts",
    [("account", "VARCHAR", "dialer account"), *_CALL_MEASURES, *_SCORED],
    writer="detect.behaviour",
    readers=("link", "charges", "report"),
    doc="Call measures per dialer account, scored for mass calling.",
)

BEHAVIOUR_HOLDERS = declare(
    "behaviour_holders",
    [("holder", "VARCHAR"), *_CALL_MEASURES],
    writer="detect.behaviour",
    readers=("charges", "report"),
    doc="Call measures per holder.",
)

BEHAVIOUR_SMS = declare(
    "behaviour_sms",
    [
        ("level", "VARCHAR", "account or signature"),
        ("key", "VARCHAR", "the account or signature"),
        ("sends", "BIGINT"),
        ("distinct_recipients", "BIGINT"),
        ("active_days", "BIGINT"),
        ("sends_per_day", "DOUBLE"),
        ("peak_day", "DATE"),
        ("peak_day_sends", "BIGINT"),
        ("sends_after_optout", "BIGINT"),
        ("no_optout_share", "DOUBLE", "share of sends without an opt-out line"),
    ],
    writer="detect.behaviour",
    readers=("charges", "report"),
    doc="SMS measures per sending account and per signature.",
)

LIST_ORDER = declare(
    "list_order",
    [
        ("evidence_sha256", "VARCHAR", "the customer list's file"),
        ("sheet", "VARCHAR"),
        ("account", "VARCHAR", "dialer account that called the list's numbers"),
        ("list_rows", "BIGINT"),
        ("dialled", "BIGINT", "list rows whose number the account called"),
        ("coverage", "DOUBLE"),
        ("spearman", "DOUBLE", "rank correlation of row order and first-call order"),
        ("longest_run", "BIGINT", "longest run of consecutive rows called in order"),
        ("longest_run_share", "DOUBLE"),
        ("run_first_row", "BIGINT"),
        ("run_last_row", "BIGINT"),
    ],
    writer="detect.behaviour",
    readers=("link", "charges", "report"),
    doc="How closely an account's calls follow the row order of a seized customer list.",
)

INTENT_GRADES = declare(
    "intent_grades",
    [
        ("holder", "VARCHAR"),
        ("account", "VARCHAR"),
        ("grade", "VARCHAR", "the dialer's intent grade"),
        ("consumers", "BIGINT", "distinct callees graded"),
        ("calls", "BIGINT"),
        ("mean_duration_s", "DOUBLE", "negative and absurd durations left out"),
        ("median_duration_s", "DOUBLE"),
        ("mean_turns", "DOUBLE"),
        ("median_turns", "DOUBLE"),
    ],
    writer="detect.behaviour",
    readers=("charges", "report"),
    doc="How many consumers the dialer profiled per holder, account and grade.",
)

BEHAVIOUR_NOTES = declare(
    "behaviour_notes",
    [("scope", "VARCHAR"), ("problem", "VARCHAR"), ("count", "BIGINT"), ("detail", "VARCHAR")],
    writer="detect.behaviour",
    readers=("report",),
    doc="Bad-input counts of the behaviour stage (rows left out of a measure, and why).",
)

CLAIMS = declare(
    "claims",
    [
        Column("claim", "VARCHAR", "volume, price or fee_rate", nullable=False),
        Column("value", "DOUBLE", "normalised: a count, CNY per record or a percentage", nullable=False),
        Column("unit", "VARCHAR", "messages, calls, records, CNY_per_record or percent", nullable=False),
        ("period", "VARCHAR", "day, month or total; NULL where the text names none"),
        ("holder", "VARCHAR", "the party: the holder of the record that says it"),
        ("kind", "VARCHAR", "record kind (chats, calls, sms, payments)"),
        ("field", "VARCHAR"),
        ("evidence_sha256", "VARCHAR"),
        ("sheet", "VARCHAR"),
        ("row_no", "BIGINT"),
        ("span_start", "INTEGER"),
        ("span_end", "INTEGER"),
        ("quote", "VARCHAR", "masked"),
        ("measured_peak_day", "BIGINT", "daily volume claims: the holder's most SMS sent or calls made in one day"),
        ("measured_peak_date", "DATE", "the day of that peak"),
        ("detail", "JSON", "a bulk price's record count and total as quoted"),
    ],
    writer="detect.claims",
    readers=("charges", "report"),
    doc="What intermediaries say about their volumes, prices per record and fee rates, beside the measured peak.",
)

# ---- link --------------------------------------------------------------------------------------

ENTITIES = declare(
    "entities",
    [("entity_id", "VARCHAR", "type:key"), ("type", "VARCHAR"), ("name", "VARCHAR"), ("holder", "VARCHAR"),
     ("detail", "JSON")],
    writer="link",
    readers=("charges", "report", "web"),
    doc="Holders, vendors, platforms, accounts, numbers, lists, staff and pseudonymous consumers.",
)

LINKS = declare(
    "links",
    [("src", "VARCHAR"), ("dst", "VARCHAR"), ("relation", "VARCHAR"), ("evidence_sha256", "VARCHAR"),
     ("sheet", "VARCHAR"), ("row_no", "BIGINT"), ("weight", "DOUBLE")],
    writer="link",
    readers=("charges", "report", "web"),
    doc="Directed links between entities, each with an evidence row that supports it.",
)

RESOLUTION = declare(
    "resolution",
    [("cluster_id", "VARCHAR"), ("record_name", "VARCHAR"), ("canonical_name", "VARCHAR"),
     ("match_weight", "DOUBLE"), ("match_probability", "DOUBLE"), ("source", "VARCHAR", "table.column")],
    writer="link",
    readers=("charges", "report"),
    doc="Company and person names merged by the resolver, with the Splink weight that merged them.",
)

UPSTREAM = declare(
    "upstream",
    [("entity_id", "VARCHAR"), ("type", "VARCHAR"), ("name", "VARCHAR"), ("holders_served", "BIGINT"),
     ("downstream_weight", "DOUBLE"), ("rank", "BIGINT"), ("reasons", "JSON")],
    writer="link",
    readers=("charges", "report"),
    doc="Vendors and platforms ranked as the common upstream of the holders.",
)

LIST_OVERLAPS = declare(
    "list_overlaps",
    [("list_a", "VARCHAR"), ("list_b", "VARCHAR"), ("size_a", "BIGINT"), ("size_b", "BIGINT"),
     ("shared", "BIGINT"), ("containment_a_in_b", "DOUBLE"), ("containment_b_in_a", "DOUBLE"),
     ("jaccard", "DOUBLE"), ("method", "VARCHAR", "exact or minhash")],
    writer="link",
    readers=("report",),
    doc="Pairs of customer lists that share consumers (list id: sha256:sheet).",
)

LEAK_CLUSTERS = declare(
    "leak_clusters",
    [("cluster_id", "BIGINT"), ("list_id", "VARCHAR"), ("holder", "VARCHAR"), ("file_name", "VARCHAR"),
     ("fingerprint", "VARCHAR"), ("fingerprint_detail", "JSON")],
    writer="link",
    readers=("charges", "report"),
    doc="Customer lists grouped by a common leak source.",
)

TARGETS = declare(
    "targets",
    [("phase", "VARCHAR", "before or after inspection"), ("rank", "BIGINT"), ("holder", "VARCHAR"),
     ("score", "DOUBLE"), ("reasons", "JSON", "reasons with their evidence rows")],
    writer="link",
    readers=("charges", "report", "web"),
    doc="Holders ranked for inspection, before and after it.",
)

CROSS_CASE_OVERLAPS = declare(
    "cross_case_overlaps",
    [("source_sha256", "VARCHAR"), ("their_case", "VARCHAR"), ("their_holder", "VARCHAR"),
     ("their_file", "VARCHAR"), ("their_list", "VARCHAR"), ("holder", "VARCHAR"), ("our_file", "VARCHAR"),
     ("our_list", "VARCHAR"), ("their_size", "BIGINT"), ("our_size", "BIGINT"), ("shared", "BIGINT"),
     ("containment_theirs_in_ours", "DOUBLE"), ("containment_ours_in_theirs", "DOUBLE"), ("jaccard", "DOUBLE")],
    writer="exchange",
    readers=("report",),
    doc="Overlaps of this case's lists with another agency's, from the exchange (kept across link runs).",
    persistent=True,
)
