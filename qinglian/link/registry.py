"""The agency's cross-case registry: what identifies a player, per case, in one file beside the cases.

The file is SQLite at ``<cases>/.registry/registry.sqlite`` (``<cases>``: the folder holding the
agency's case folders; ``--registry`` names another file). SQLite, not DuckDB: the web server reads
it while ``qinglian registry add`` writes from another process, which one DuckDB file does not allow.

An entry is (kind, key, case, party, label, first seen, last seen, rows). Numbers, account ids and
bank accounts are keyed by the agency key's pseudonym (``keys.pseudonym``, the HMAC the case's
entities use), so the file holds no raw number; consumers carry no label and are only ever counted.
Company names, vendors and SMS signatures are keyed by their normalised name (business names are
not consumer PI); a name that looks like a person's is keyed like a number and shown masked.
Registering a case replaces its entries, so adding it again after new evidence is safe.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.ingest.normalise import install_macros
from qinglian.link.keys import agency_key, pseudonym
from qinglian.link.names import normalise
from qinglian.link.sql import has_table
from qinglian.privacy import mask_card, mask_name, mask_phone, mask_text
from qinglian.store.case import Case, open_case
from qinglian.store.custody import current_user
from qinglian.store.sqlident import quote_ident

FORMAT = "qinglian-registry/1"
REGISTRY_DIR = ".registry"
REGISTRY_FILE = "registry.sqlite"
REGISTRY_ENV = "QINGLIAN_REGISTRY"
_KEY_CHECK = "qinglian-registry/1 key check"
BUSY_WAIT_S = 30.0  # how long a writer waits for another registration to swap its entries in

NUMBER, ACCOUNT, SIGNATURE, PARTY, VENDOR, PAYEE, BANK_ACCOUNT, CONSUMER = (
    "number", "account", "signature", "party", "vendor", "payee", "bank_account", "consumer")
KIND_NAMES: dict[str, tuple[str, str]] = {
    NUMBER: ("主叫号码", "calling number"), ACCOUNT: ("外呼/短信账号", "dialer or SMS account"),
    SIGNATURE: ("短信签名", "SMS signature"), PARTY: ("当事单位", "party"), VENDOR: ("供应商/平台", "vendor or platform"),
    PAYEE: ("收款方", "payee"), BANK_ACCOUNT: ("银行账户", "bank account"), CONSUMER: ("消费者", "consumer"),
}
# Kinds that name the player itself: a party is "seen" in another case holding one of these.
PLAYER_KINDS: tuple[str, ...] = (NUMBER, ACCOUNT, SIGNATURE, BANK_ACCOUNT)
NAME_KINDS: tuple[str, ...] = (PARTY, VENDOR, PAYEE)
_PLAYER_SQL = ", ".join(f"'{k}'" for k in PLAYER_KINDS)  # constants of this module, as in the partial index

# Where each kind is read in a case: (kind, SQL giving value, party, first, last, rows). The party is
# the holder whose records show the identifier, except in a vendor's account table (the customer
# holding the account) and in complaints (the company complained about).
SOURCES: tuple[tuple[str, str], ...] = (
    (NUMBER, "SELECT caller, holder, min(started_at), max(started_at), count(*) FROM calls "
             "WHERE caller IS NOT NULL GROUP BY ALL"),
    (NUMBER, "SELECT caller, respondent, min(received_at), max(received_at), count(*) FROM complaints "
             "WHERE caller IS NOT NULL GROUP BY ALL"),
    (ACCOUNT, "SELECT account, holder, min(started_at), max(started_at), count(*) FROM calls "
              "WHERE account IS NOT NULL GROUP BY ALL"),
    (ACCOUNT, "SELECT account, holder, min(sent_at), max(sent_at), count(*) FROM sms "
              "WHERE account IS NOT NULL GROUP BY ALL"),
    (ACCOUNT, "SELECT account, customer, min(opened_at), max(opened_at), count(*) FROM accounts "
              "WHERE account IS NOT NULL GROUP BY ALL"),
    (SIGNATURE, "SELECT signature, holder, min(sent_at), max(sent_at), count(*) FROM sms "
                "WHERE signature IS NOT NULL GROUP BY ALL"),
    (PARTY, "SELECT customer, customer, min(opened_at), max(opened_at), count(*) FROM accounts "
            "WHERE customer IS NOT NULL GROUP BY ALL"),
    (PARTY, "SELECT payer, payer, min(paid_at), max(paid_at), count(*) FROM payments "
            "WHERE payer IS NOT NULL GROUP BY ALL"),
    (PAYEE, "SELECT payee, holder, min(paid_at), max(paid_at), count(*) FROM payments "
            "WHERE payee IS NOT NULL GROUP BY ALL"),
)
# Consumers (number, party) in every place a case holds them; grouped in one query and streamed.
CONSUMER_SOURCES: tuple[str, ...] = (
    "SELECT phone, holder FROM customers WHERE phone IS NOT NULL",
    "SELECT callee, holder FROM calls WHERE callee IS NOT NULL",
    "SELECT recipient, holder FROM sms WHERE recipient IS NOT NULL",
    "SELECT complainant, respondent FROM complaints WHERE complainant IS NOT NULL",
)
HOLDER_KINDS: tuple[str, ...] = ("calls", "sms", "customers", "chats", "complaints", "accounts", "payments")
# Bank account numbers are no record field: ingest keeps them in ``extra`` under headers like these.
_BANK_HEADER = re.compile(r"(账号|卡号|账户|帐号|银行账)(?!名|户名|开户)")
_BANK_DIGITS = re.compile(r"[0-9]{12,25}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
    case_no INTEGER PRIMARY KEY, case_id TEXT NOT NULL UNIQUE, name TEXT, folder TEXT NOT NULL,
    registered_at TEXT NOT NULL, registered_by TEXT, custody_seq INTEGER, entries INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    kind TEXT NOT NULL, key TEXT NOT NULL, case_no INTEGER NOT NULL REFERENCES cases, party TEXT, label TEXT,
    first_seen TEXT, last_seen TEXT, count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_key ON entries (key, kind);
CREATE INDEX IF NOT EXISTS entries_by_case ON entries (case_no);
-- consumers left out: a case holds millions, and the party page never asks for them
CREATE INDEX IF NOT EXISTS entries_by_party ON entries (case_no, party)
    WHERE kind IN ('number', 'account', 'signature', 'bank_account');
CREATE TABLE IF NOT EXISTS searches (
    at TEXT NOT NULL, user TEXT, query TEXT NOT NULL, kinds TEXT NOT NULL, cases INTEGER NOT NULL);
-- a case taken out stays on record here: its folder (and custody log) may be gone
CREATE TABLE IF NOT EXISTS removals (
    at TEXT NOT NULL, user TEXT, case_id TEXT NOT NULL, name TEXT, folder TEXT NOT NULL, entries INTEGER NOT NULL);
"""


# ---- where the registry is --------------------------------------------------------------------


def default_path(cases_dir: Path) -> Path:
    """The registry of the cases under ``cases_dir``, or the file ``QINGLIAN_REGISTRY`` names for an
    agency that keeps it elsewhere (the command line, the pipeline and the web then all use it)."""
    override = os.environ.get(REGISTRY_ENV)
    return Path(override).resolve() if override else Path(cases_dir) / REGISTRY_DIR / REGISTRY_FILE


def path_for(case: Case, registry: Path | None = None) -> Path:
    """``registry`` if given, else the registry of the folder that holds the case."""
    return Path(registry).resolve() if registry is not None else default_path(case.root.resolve().parent)


def case_id_of(case: Case) -> str:
    """The id the web workspace addresses the case by (case.toml's id, else the folder name)."""
    return str(case.meta().get("id") or case.root.name)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(when: datetime | None, kind: str) -> str | None:
    """A record time as stored; none for consumers, whose dates are never shown (and a case holds
    millions of them)."""
    return when.isoformat() if when is not None and kind != CONSUMER else None


@contextmanager
def _open(path: Path, *, create: bool) -> Iterator[sqlite3.Connection]:
    if not path.is_file():
        if not create:
            raise _no_registry(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # pseudonyms: owner-only, like the key
    try:
        con = sqlite3.connect(path, timeout=BUSY_WAIT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise QinglianError("无法打开跨案登记库", "cannot open the cross-case registry", file=str(path)) from exc
    with closing(con):
        try:
            if create:
                con.execute("PRAGMA journal_mode=WAL")  # readers (the web) go on while a case is registered
                con.executescript(_SCHEMA)
            # a reader only checks: creating (even IF NOT EXISTS) would wait for a registration's lock
            row = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                              "AND name IN ('meta', 'cases', 'entries', 'searches')").fetchone()
            if not row or row[0] != 4:
                raise sqlite3.DatabaseError("tables missing")
        except sqlite3.DatabaseError as exc:
            if _locked(exc):
                raise _busy(path) from exc
            raise QinglianError("不是 Qinglian 跨案登记库", "not a Qinglian cross-case registry",
                                file=str(path)) from exc
        try:
            yield con
        except sqlite3.OperationalError as exc:
            if not _locked(exc):
                raise
            raise _busy(path) from exc


def _no_registry(path: Path) -> QinglianError:
    return QinglianError("找不到跨案登记库", "no cross-case registry here", file=str(path),
                         hint_zh="先运行 qinglian registry add 案件目录（登记库建在案件所在文件夹的 .registry/ 下）",
                         hint_en="run qinglian registry add CASE first (the registry lives in .registry/ "
                                 "of the folder holding the cases)")


def _locked(exc: sqlite3.DatabaseError) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def _busy(path: Path) -> QinglianError:
    return QinglianError("跨案登记库正被另一个程序写入", "the cross-case registry is being written by another program",
                         file=str(path), hint_zh="等其登记完成后再试", hint_en="retry when it has finished registering")


def _check_key(con: sqlite3.Connection, key: bytes, path: Path, *, claim: bool) -> bool:
    """Whether the registry was made under ``key`` (claimed for it when new and ``claim``)."""
    mine = pseudonym(_KEY_CHECK, key)
    row = con.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
    if row is None:
        if claim:
            con.execute("INSERT INTO meta VALUES ('format', ?), ('key_check', ?)", [FORMAT, mine])
        return True
    return str(row[0]) == mine


def _wrong_key(path: Path) -> QinglianError:
    return QinglianError("跨案登记库由另一把机构密钥建立，假名无法比对", "the cross-case registry was made under "
                         "another agency key; pseudonyms cannot be matched", file=str(path),
                         hint_zh="使用建立登记库时的机构密钥（QINGLIAN_KEY_FILE）", hint_en="use the agency key "
                         "the registry was made with (QINGLIAN_KEY_FILE)")


# ---- keys -------------------------------------------------------------------------------------


def name_key(name: str, key: bytes | None) -> tuple[str, str] | None:
    """(key, label) of a company or person name. Companies: the name's core (no legal form) with
    its region, so 深圳市华信科技有限公司 and 华信科技（深圳）有限公司 meet while a namesake of another
    city does not. A person's name is PI: keyed by the agency key and shown masked (None without one)."""
    parts = normalise(name)
    if not parts.clean:
        return None
    if parts.kind == "person":
        return (pseudonym("name:" + parts.clean, key), mask_name(parts.clean)) if key is not None else None
    return parts.core + ("@" + parts.region if parts.region else ""), parts.clean


def signature_key(signature: str) -> str:
    return normalise(signature).clean


def _account_label(account: str) -> str:
    """An account id shown with its middle hidden (ids are often numbers)."""
    v = account.strip()
    if len(v) <= 4:
        return v[0] + "*" * (len(v) - 1) if v else ""
    return v[:2] + "*" * (len(v) - 4) + v[-2:]


def keyed(kind: str, value: str, key: bytes) -> tuple[str, str | None]:
    """(key, label) of a number-like identifier: numbers share the consumers' pseudonym (as in the
    case's entities); other ids get a prefix so an account id never meets an equal phone number."""
    if kind in (NUMBER, CONSUMER):
        return pseudonym(value, key), (mask_phone(value) if kind == NUMBER else None)
    if kind == BANK_ACCOUNT:
        return pseudonym("bank:" + value, key), mask_card(value)
    return pseudonym("account:" + value.strip(), key), _account_label(value)


# ---- reading a case ---------------------------------------------------------------------------


@dataclass
class _Entry:
    label: str | None
    first: datetime | None
    last: datetime | None
    count: int

    def add(self, first: datetime | None, last: datetime | None, count: int) -> None:
        self.first = min((d for d in (self.first, first) if d is not None), default=None)
        self.last = max((d for d in (self.last, last) if d is not None), default=None)
        self.count += count


def _canon(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Record name -> the name resolution chose, where link has run."""
    if not has_table(con, "resolution"):
        return {}
    return {str(r): str(c) for r, c in con.execute(
        "SELECT record_name, canonical_name FROM resolution WHERE canonical_name IS NOT NULL").fetchall()}


def _party(name: Any, canon: dict[str, str], memo: dict[str, str | None]) -> str | None:
    """The party column: the canonical company name; a person's name only masked."""
    if name is None:
        return None
    raw = str(name)
    if raw not in memo:
        v = canon.get(raw, raw)
        memo[raw] = None if not v.strip() else (mask_name(v) if normalise(v).kind == "person" else v)
    return memo[raw]


def _bank_rows(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, Any, Any, Any, int]]:
    for extra, holder, paid_at in con.execute(
            "SELECT extra, holder, paid_at FROM payments WHERE extra IS NOT NULL "
            "AND regexp_matches(CAST(extra AS VARCHAR), '账|卡号')").fetchall():
        try:
            values = json.loads(str(extra))
        except ValueError:
            continue
        if not isinstance(values, dict):
            continue
        for header, value in values.items():
            digits = re.sub(r"[\s\-]", "", str(value or ""))
            if _BANK_HEADER.search(str(header)) and _BANK_DIGITS.fullmatch(digits):
                yield digits, holder, paid_at, paid_at, 1


def consumers(con: duckdb.DuckDBPyConnection, key: bytes) -> Iterator[tuple[str, str | None, int]]:
    """(pseudonym, party, rows) per consumer and party, streamed: a case may hold tens of millions,
    more than is worth keeping in memory at once. Party names are resolved in the query."""
    parts = " UNION ALL ".join(CONSUMER_SOURCES)
    if has_table(con, "resolution"):
        sql = (f"SELECT u.value, coalesce(r.canonical, u.party), count(*) FROM ({parts}) u(value, party) "
               "LEFT JOIN (SELECT record_name, max(canonical_name) AS canonical FROM resolution GROUP BY 1) r "
               "ON r.record_name = u.party GROUP BY ALL")
    else:
        sql = f"SELECT value, party, count(*) FROM ({parts}) u(value, party) GROUP BY ALL"
    parties: dict[str, str | None] = {}
    cur = con.execute(sql)
    while batch := cur.fetchmany(50_000):
        for value, party, n in batch:
            yield pseudonym(str(value), key), _party(party, {}, parties), int(n)


def collect(con: duckdb.DuckDBPyConnection, key: bytes) -> dict[tuple[str, str, str | None], _Entry]:
    """Every registry entry of one case but its consumers (``consumers``), by (kind, key, party)."""
    canon = _canon(con)
    found: dict[tuple[str, str, str | None], _Entry] = {}
    memo: dict[tuple[str, str], tuple[str, str | None] | None] = {}
    parties: dict[str, str | None] = {}

    def put(kind: str, value: Any, party: Any, first: Any, last: Any, count: int) -> None:
        if value is None or not str(value).strip():
            return
        raw = str(value)
        if (kind, raw) in memo:
            k = memo[(kind, raw)]
        else:
            if kind in NAME_KINDS:
                k = name_key(canon.get(raw, raw), key)
            elif kind == SIGNATURE:
                k = (signature_key(raw), normalise(raw).clean) if normalise(raw).clean else None
            else:
                k = keyed(kind, raw, key)
            memo[(kind, raw)] = k
        if k is None:
            return
        entry_key = (kind, k[0], _party(party, canon, parties))
        got = found.get(entry_key)
        if got is None:
            found[entry_key] = _Entry(k[1], first, last, int(count))
        else:
            got.add(first, last, int(count))

    for kind, sql in SOURCES:
        for value, party, first, last, count in con.execute(sql).fetchall():
            put(kind, value, party, first, last, count)
    for table in HOLDER_KINDS:
        for holder, count in con.execute(f"SELECT holder, count(*) FROM {quote_ident(table)} GROUP BY ALL").fetchall():
            put(PARTY, holder, holder, None, None, count)
    if has_table(con, "entities"):
        for (name,) in con.execute("SELECT name FROM entities WHERE type IN ('vendor', 'platform')").fetchall():
            put(VENDOR, name, name, None, None, 1)
    for row in _bank_rows(con):
        put(BANK_ACCOUNT, *row)
    return found


# ---- registering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddResult:
    path: Path
    case_id: str
    name: str
    kinds: dict[str, int]
    replaced: int

    def lines(self) -> list[str]:
        n = sum(self.kinds.values())
        parts = "，".join(f"{KIND_NAMES[k][0]} {v}" for k, v in sorted(self.kinds.items()))
        parts_en = ", ".join(f"{KIND_NAMES[k][1]} {v}" for k, v in sorted(self.kinds.items()))
        again = t(f"（替换此前登记的 {self.replaced} 条）", f" (replacing {self.replaced} earlier)") if self.replaced else ""
        return [t(f"案件 {self.name}（{self.case_id}）已登记 {n} 条{again}：{parts or '无'}",
                  f"case {self.name} ({self.case_id}): {n} entries registered{again}: {parts_en or 'none'}"),
                t(f"登记库：{self.path}（号码与账号只存机构密钥假名）",
                  f"registry: {self.path} (numbers and accounts are stored as agency-key pseudonyms only)")]


def register_case(case: Case, *, registry: Path | None = None, key: bytes | None = None,
                  user: str | None = None) -> AddResult:
    """Put the case's identifiers in the registry (replacing what it registered before), and log
    it in the case's custody log."""
    key = key if key is not None else agency_key()
    path = path_for(case, registry)
    cid = case_id_of(case)
    with _open(path, create=True) as rcon:
        if not _check_key(rcon, key, path, claim=False):
            raise _wrong_key(path)  # before the case is read, not after
        kinds, seq = _stage(case, rcon, key)
        rcon.execute("BEGIN IMMEDIATE")
        try:
            _check_key(rcon, key, path, claim=True)
            replaced = _replace(case, cid, rcon, seq, user, sum(kinds.values()))
            # on record before the registry commits: a failed entry leaves the registry as it was
            case.log("registry.add", {"registry": str(path)}, user=user,
                     details={"entries": kinds, "replaced": replaced})
            rcon.execute("COMMIT")
        except BaseException:
            rcon.execute("ROLLBACK")
            raise
    return AddResult(path, cid, case.name, kinds, replaced)


def _stage(case: Case, rcon: sqlite3.Connection, key: bytes) -> tuple[dict[str, int], int | None]:
    """The case's entries into a temporary table, read under the case's shared lock (its readers,
    such as the web, go on). The registry itself is locked only to swap them in, so searches and
    other registrations do not wait while a large case is read and hashed."""
    rcon.execute("CREATE TEMP TABLE staged (kind TEXT, key TEXT, party TEXT, label TEXT, first_seen TEXT, "
                 "last_seen TEXT, count INTEGER)")
    rcon.execute("BEGIN")  # touches the temporary database only
    try:
        with case.connect(read_only=True) as ccon:
            found = collect(ccon, key)
            head = case.head(ccon)
            rcon.executemany(
                "INSERT INTO temp.staged VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((kind, k, party, e.label, _iso(e.first, kind), _iso(e.last, kind), e.count)
                 for (kind, k, party), e in found.items()))
            kinds: dict[str, int] = {}
            for kind, _, _ in found:
                kinds[kind] = kinds.get(kind, 0) + 1
            held = rcon.executemany("INSERT INTO temp.staged VALUES (?, ?, ?, NULL, NULL, NULL, ?)",
                                    ((CONSUMER, k, party, n) for k, party, n in consumers(ccon, key)))
            if held.rowcount > 0:
                kinds[CONSUMER] = held.rowcount
        rcon.execute("COMMIT")
    except BaseException:
        rcon.execute("ROLLBACK")
        raise
    return kinds, head[0] if head else None


def _replace(case: Case, cid: str, rcon: sqlite3.Connection, seq: int | None, user: str | None,
             entries: int) -> int:
    """Swap the staged entries in for the case's; returns how many were replaced."""
    other = rcon.execute("SELECT folder FROM cases WHERE case_id = ?", [cid]).fetchone()
    if other is not None and Path(str(other[0])) != case.root.resolve() and Path(str(other[0])).is_dir():
        raise QinglianError(f"登记库中已有编号相同的另一案件：{other[0]}",
                            f"the registry already holds another case with this id: {other[0]}",
                            file=str(case.root))
    row = rcon.execute(
        "INSERT INTO cases (case_id, name, folder, registered_at, registered_by, custody_seq, entries) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET name = excluded.name, "
        "folder = excluded.folder, registered_at = excluded.registered_at, "
        "registered_by = excluded.registered_by, custody_seq = excluded.custody_seq, "
        "entries = excluded.entries RETURNING case_no",
        [cid, case.name, str(case.root.resolve()), _now(), current_user(user), seq, entries]).fetchone()
    case_no = int(row[0]) if row else 0
    replaced = int(rcon.execute("DELETE FROM entries WHERE case_no = ?", [case_no]).rowcount)
    rcon.execute("INSERT INTO entries SELECT kind, key, ?, party, label, first_seen, last_seen, count "
                 "FROM temp.staged", [case_no])
    return replaced


def register_if_present(case: Case, *, key: bytes | None = None, user: str | None = None) -> AddResult | None:
    """The pipeline's step after link: register the case where the folder holding it has a registry
    made under the same key (a demo case, with a key of its own, is left out)."""
    path = path_for(case)
    if not path.is_file():
        return None
    key = key if key is not None else agency_key()
    with _open(path, create=False) as con:
        if not _check_key(con, key, path, claim=False):
            return None
    return register_case(case, registry=path, key=key, user=user)


# ---- listing and taking a case out -------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    """A case in the registry, as it was registered."""

    case_id: str
    name: str
    folder: str
    registered_at: str
    registered_by: str | None
    entries: int

    @property
    def present(self) -> bool:
        return Path(self.folder).is_dir()

    def as_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "name": self.name, "folder": self.folder,
                "registered_at": self.registered_at, "registered_by": self.registered_by,
                "entries": self.entries, "folder_present": self.present}

    def line(self) -> str:
        gone = t("（案件目录已不在）", " (folder gone)") if not self.present else ""
        by = self.registered_by or "-"
        return t(f"{self.case_id}\t{self.name}\t{self.entries} 条\t{self.registered_at} {by}\t{self.folder}{gone}",
                 f"{self.case_id}\t{self.name}\t{self.entries} entries\t{self.registered_at} {by}\t{self.folder}{gone}")


_REGISTERED = "SELECT case_id, name, folder, registered_at, registered_by, entries FROM cases"


def _registered(row: tuple[Any, ...]) -> Registered:
    cid, name, folder, at, by, n = row
    return Registered(str(cid), str(name or cid), str(folder), str(at), by, int(n))


def registered_cases(registry: Path) -> list[Registered]:
    """Every case in the registry, in the order they were first registered."""
    with _open(registry, create=False) as con:
        return [_registered(r) for r in con.execute(f"{_REGISTERED} ORDER BY case_no").fetchall()]


def remove_case(case_id: str, *, registry: Path, user: str | None = None) -> tuple[Registered, bool]:
    """Take a case's entries out of the registry (a case closed, or registered by mistake). The
    removal is kept in the registry and, where the case folder is still there, in its custody log
    before the registry commits; returns the case as it was and whether its custody log has it."""
    if not registry.is_file():
        raise _no_registry(registry)
    with _open(registry, create=True) as con:  # create: brings an older registry's tables up to date
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute(f"{_REGISTERED} WHERE case_id = ?", [case_id]).fetchone()
            if row is None:
                raise QinglianError(f"登记库中没有案件 {case_id}", f"the registry holds no case {case_id}",
                                    file=str(registry), hint_zh="qinglian registry list 列出已登记的案件",
                                    hint_en="qinglian registry list shows the registered cases")
            case = _registered(row)
            removed = int(con.execute("DELETE FROM entries WHERE case_no = (SELECT case_no FROM cases "
                                      "WHERE case_id = ?)", [case_id]).rowcount)
            con.execute("DELETE FROM cases WHERE case_id = ?", [case_id])
            con.execute("INSERT INTO removals VALUES (?, ?, ?, ?, ?, ?)",
                        [_now(), current_user(user), case.case_id, case.name, case.folder, removed])
            logged = (Path(case.folder) / "case.toml").is_file()
            if logged:
                open_case(Path(case.folder)).log("registry.remove", {"registry": str(registry)}, user=user,
                                                 details={"entries": removed})
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return case, logged


# ---- searching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseHit:
    case_id: str
    name: str
    parties: list[str]
    count: int
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True)
class Match:
    kind: str
    label: str | None
    cases: list[CaseHit]

    def as_json(self) -> dict[str, Any]:
        if self.kind == CONSUMER:  # never which cases, parties or number: how many cases only
            return {"kind": self.kind, "cases": len(self.cases)}
        return {"kind": self.kind, "label": self.label, "cases": [vars(c) for c in self.cases]}


@dataclass(frozen=True)
class SearchResult:
    query: str  # masked
    matches: list[Match]
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"query": self.query, "matches": [m.as_json() for m in self.matches]}

    def lines(self) -> list[str]:
        if not self.matches:
            return [t(f"登记库中没有与 {self.query} 相符的记录", f"nothing in the registry matches {self.query}")]
        out: list[str] = []
        for m in self.matches:
            zh, en = KIND_NAMES[m.kind]
            if m.kind == CONSUMER:
                out.append(t(f"{zh}：{len(m.cases)} 个案件持有该消费者（不显示号码与案件）",
                             f"{en}: held in {len(m.cases)} cases (number and cases not shown)"))
                continue
            out.append(t(f"{zh} {m.label or ''}：{len(m.cases)} 个案件", f"{en} {m.label or ''}: {len(m.cases)} cases"))
            for c in m.cases:
                when = f"  {_day(c.first_seen)} ~ {_day(c.last_seen)}" if c.first_seen or c.last_seen else ""
                out.append(f"  - {c.name} [{c.case_id}]: {'、'.join(c.parties) or '-'}  "
                           + t(f"{c.count} 行", f"{c.count} rows") + when)
        return out + self.notes


def _day(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


def masked_query(query: str) -> str:
    """What the logs keep of a query: a number, an account id or a person's name masked as every
    output masks them; a company name or signature as typed."""
    q = query.strip()
    if normalise(q).kind == "person":
        return mask_name(q)
    masked = mask_text(q)
    if masked != q:
        return masked
    return _account_label(q) if q.isascii() or any(c.isdigit() for c in q) else q


def _number(query: str) -> str | None:
    """The query as ingest normalises a phone number (E.164), or None."""
    with closing(duckdb.connect()) as con:
        install_macros(con)
        row = con.execute("SELECT ql_phone(?)", [query.strip()]).fetchone()
    return str(row[0]) if row and row[0] else None


def _candidates(query: str, key: bytes) -> list[tuple[str, str]]:
    """(kind, key) pairs the query can be: a number, an account id, a bank account, a name."""
    q = query.strip()
    out: list[tuple[str, str]] = []
    e164 = _number(q)
    if e164:
        out += [(NUMBER, keyed(NUMBER, e164, key)[0]), (CONSUMER, keyed(CONSUMER, e164, key)[0])]
    digits = re.sub(r"[\s\-]", "", q)
    if _BANK_DIGITS.fullmatch(digits):
        out.append((BANK_ACCOUNT, keyed(BANK_ACCOUNT, digits, key)[0]))
    out.append((ACCOUNT, keyed(ACCOUNT, q, key)[0]))
    named = name_key(q, key)
    if named:
        out += [(k, named[0]) for k in NAME_KINDS]
    if normalise(q).clean:
        out.append((SIGNATURE, signature_key(q)))
    return out


def search(query: str, *, registry: Path, key: bytes | None = None, user: str | None = None) -> SearchResult:
    """Entries matching a number (any format), an account id, a bank account or a name (companies
    and signatures also by part of the name). Logged in the registry and in the custody log of
    every case that matched."""
    if not query.strip():
        raise QinglianError("请给出要查找的号码、账号或名称", "give a number, an account or a name to look up")
    key = key if key is not None else agency_key()
    masked = masked_query(query)
    rows: list[tuple[Any, ...]] = []
    with _open(registry, create=False) as con:
        if not _check_key(con, key, registry, claim=False):
            raise _wrong_key(registry)
        for kind, k in _candidates(query, key):
            rows += con.execute(
                "SELECT e.kind, e.key, e.label, c.case_id, c.name, e.party, e.count, e.first_seen, e.last_seen "
                "FROM entries e JOIN cases c USING (case_no) WHERE e.key = ? AND e.kind = ?", [k, kind]).fetchall()
        part = normalise(query).clean
        if len(part) >= 2 and normalise(query).kind != "person":
            rows += con.execute(
                "SELECT e.kind, e.key, e.label, c.case_id, c.name, e.party, e.count, e.first_seen, e.last_seen "
                "FROM entries e JOIN cases c USING (case_no) WHERE e.kind IN (?, ?, ?, ?) "
                "AND instr(e.label, ?) > 0 AND instr(e.key, 'C:') != 1",
                [PARTY, VENDOR, PAYEE, SIGNATURE, part]).fetchall()
        matches = _group(rows)
        cases = sorted({c.case_id for m in matches for c in m.cases})
        kinds = sorted({m.kind for m in matches})
        con.execute("INSERT INTO searches VALUES (?, ?, ?, ?, ?)", [_now(), current_user(user), masked, json.dumps(kinds), len(cases)])
        folders = dict(con.execute("SELECT case_id, folder FROM cases").fetchall())
    notes = _log_search(cases, folders, masked, kinds, registry.resolve(), user)
    return SearchResult(masked, matches, notes)


def _group(rows: list[tuple[Any, ...]]) -> list[Match]:
    seen: set[tuple[Any, ...]] = set()
    by_id: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, k, label, cid, name, party, count, first, last in rows:
        if (kind, k, cid, party) in seen:  # a row found both by key and by part of the name
            continue
        seen.add((kind, k, cid, party))
        m = by_id.setdefault((kind, k), {"label": label, "cases": {}})
        c = m["cases"].setdefault(cid, {"name": name or cid, "parties": set(), "count": 0, "first": [], "last": []})
        if party:
            c["parties"].add(str(party))
        c["count"] += int(count)
        c["first"] += [first] if first else []
        c["last"] += [last] if last else []
    out = [Match(kind, m["label"], [CaseHit(cid, str(c["name"]), sorted(c["parties"]), c["count"],
                                            min(c["first"], default=None), max(c["last"], default=None))
                                    for cid, c in sorted(m["cases"].items())])
           for (kind, _), m in by_id.items()]
    order = {k: i for i, k in enumerate(KIND_NAMES)}
    return sorted(out, key=lambda m: (order[m.kind], -len(m.cases), m.label or ""))


def _log_search(cases: list[str], folders: dict[str, str], masked: str, kinds: list[str], registry: Path,
                user: str | None) -> list[str]:
    """A custody entry in each case the search matched: a case's data was consulted."""
    notes: list[str] = []
    for cid in cases:
        folder = folders.get(cid)
        try:
            if folder is None:
                raise QinglianError("登记库中没有该案件的目录", "the registry has no folder for the case")
            open_case(Path(folder)).log("registry.search", {"query": masked, "kinds": kinds}, user=user,
                                        details={"registry": str(registry)})
        except QinglianError:
            notes.append(t(f"注意：未能在案件 {cid} 的保管日志中记录本次查询（案件目录已移动或正被使用）",
                           f"note: this search could not be logged in case {cid}'s custody log "
                           "(its folder moved or is in use)"))
    return notes


# ---- what the web's party page shows ----------------------------------------------------------


@dataclass(frozen=True)
class Elsewhere:
    """Another case sharing identifiers with a party: which kinds, and its parties holding them."""

    case_id: str
    name: str
    kinds: list[str]
    parties: list[str]


def elsewhere(registry: Path, case_id: str, party: str) -> list[Elsewhere]:
    """Other registered cases holding the party's name or one of its numbers, accounts, signatures
    or bank accounts (consumers are left out: sharing them is a list overlap, not the same player).
    Needs no key: the party's own entries in this case carry the keys."""
    if not registry.is_file():
        return []
    named = name_key(party, None)
    with _open(registry, create=False) as con:
        rows = con.execute(
            # the kinds written out (not parameters) so that SQLite can use the partial index
            f"""SELECT c.case_id, c.name, o.kind, o.party FROM entries m
            JOIN entries o ON o.key = m.key AND o.kind = m.kind AND o.case_no != m.case_no
            JOIN cases c ON c.case_no = o.case_no
            WHERE m.case_no = (SELECT case_no FROM cases WHERE case_id = ?) AND m.party = ?
              AND m.kind IN ({_PLAYER_SQL})
            UNION ALL
            SELECT c.case_id, c.name, o.kind, o.party FROM entries o JOIN cases c ON c.case_no = o.case_no
            WHERE o.key = ? AND o.kind IN ({', '.join('?' * len(NAME_KINDS))}) AND c.case_id != ?""",
            [case_id, party, named[0] if named else "", *NAME_KINDS, case_id]).fetchall()
    grouped: dict[str, tuple[str, set[str], set[str]]] = {}
    for cid, name, kind, other in rows:
        g = grouped.setdefault(str(cid), (str(name or cid), set(), set()))
        g[1].add(str(kind))
        if other:
            g[2].add(str(other))
    return [Elsewhere(cid, name, sorted(kinds), sorted(parties)) for cid, (name, kinds, parties) in sorted(grouped.items())]
