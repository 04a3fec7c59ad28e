"""The workspace's own data: users, case memberships, sessions, login failures and the access log.

SQLAlchemy 2 over an embedded SQLite file by default; PostgreSQL (psycopg 3) when a URL is given.
Only portable column types and ORM statements are used, and both are tested (tests/web runs on each).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from qinglian.errors import QinglianError

ADMIN = "admin"
CASE_ROLES: tuple[str, ...] = ("case_lead", "investigator", "reviewer", "viewer")
ROLES: tuple[str, ...] = (ADMIN, *CASE_ROLES)
# Who may record a review decision on a charge.
REVIEW_ROLES: frozenset[str] = frozenset({"case_lead", "reviewer"})
# Who may create a case (by the role on the account).
CREATE_ROLES: frozenset[str] = frozenset({ADMIN, "case_lead"})
# Who may reveal masked personal information (with a reason, logged).
REVEAL_ROLES: frozenset[str] = frozenset({"case_lead", "investigator", "reviewer"})
# Who may build a report with PI revealed and download one: a whole case file unmasked is more than a
# page or a row, so the case's leads only (an admin reaches a case as its lead).
REVEAL_REPORT_ROLES: frozenset[str] = frozenset({"case_lead"})
# Who may upload evidence and start jobs on a case.
INTAKE_ROLES: frozenset[str] = frozenset({"case_lead", "investigator"})


def now() -> datetime:
    """Naive UTC: SQLite keeps no zone, so every stored time is UTC without one. On PostgreSQL the
    columns are ``timestamp without time zone`` too, so the session's TimeZone never shifts them and
    a value reads back as it was written on both backends."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # admin, or the role a new membership gets by default; the role on a case is the membership's.
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "case_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))


class WebSession(Base):
    __tablename__ = "sessions"
    # SHA-256 of the cookie's token: a copy of the database does not sign anyone in.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime] = mapped_column()


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "user_name", "ip", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=now)


class AccessLog(Base):
    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now, index=True)
    user_name: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(512), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="ok")


def default_url(cases_dir: Path) -> str:
    """The app database beside the cases: CASES/.qinglian-web/app.sqlite (a dot folder is no case)."""
    folder = cases_dir / ".qinglian-web"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{folder / 'app.sqlite'}"


def _sqlite_pragmas(dbapi_con: object, _entry: ConnectionPoolEntry) -> None:
    cur = dbapi_con.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA busy_timeout = 5000")
    cur.close()


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` (libpq's form) mean the psycopg 3 driver, the one installed;
    SQLAlchemy would otherwise look for psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str) -> Engine:
    """An engine with the schema in place (created where missing)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        Base.metadata.create_all(engine)
    except OperationalError as e:
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        raise QinglianError(f"无法连接应用数据库 {shown}", f"cannot open the app database {shown}",
                            hint_zh="检查 --db 的地址、账号和密码，以及数据库服务器是否在运行",
                            hint_en="check the --db address, account and password, and that the server runs") from e
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class Job(Base):
    """A background job on a case (intake for now): its state, progress and per-file results."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    user_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    params: Mapped[str] = mapped_column(Text, default="{}")
    results: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, one object per file
    created_at: Mapped[datetime] = mapped_column(default=now)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
