"""The app database on both backends: URLs, times and text read back as written, and the constraints
the routes rely on hold the same way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qinglian.errors import QinglianError
from qinglian.web.db import AccessLog, Membership, User, make_engine, normalise_url, session_factory


@pytest.mark.parametrize(("given", "used"), [
    ("postgresql://qinglian@db.local/app", "postgresql+psycopg://qinglian@db.local/app"),
    ("postgres://u:p%40ss@h:5433/app?sslmode=require", "postgresql+psycopg://u:p%40ss@h:5433/app?sslmode=require"),
    ("postgresql+psycopg://u@h/app", "postgresql+psycopg://u@h/app"),
    ("sqlite:////tmp/app.sqlite", "sqlite:////tmp/app.sqlite"),
])
def test_a_plain_postgresql_url_means_psycopg(given: str, used: str) -> None:
    assert normalise_url(given) == used


@pytest.fixture()
def db(db_url: str | None, tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(db_url or f"sqlite:///{tmp_path / 'app.sqlite'}")
    # The PostgreSQL run really is on PostgreSQL (no quiet fallback to a file).
    assert engine.dialect.name == ("postgresql" if db_url else "sqlite")
    with session_factory(engine)() as s:
        yield s
        s.rollback()
        for table in (AccessLog, Membership, User):
            s.execute(delete(table))
        s.commit()
    engine.dispose()


def test_times_and_text_read_back_as_written(db: Session) -> None:
    at = datetime(2026, 3, 1, 23, 59, 58, 123456)  # naive UTC, as now() gives
    target = "甲公司 <script>'x'</script> " + "长" * 400
    db.add(AccessLog(at=at, user_name="王调查员", case_id="c" * 64, action="party", target=target))
    db.commit()
    db.expunge_all()
    row = db.scalars(select(AccessLog)).one()
    assert (row.at, row.target, row.user_name, row.case_id) == (at, target, "王调查员", "c" * 64)
    assert row.at.tzinfo is None
    assert db.scalars(select(AccessLog).where(AccessLog.at > datetime(2026, 3, 1, 23, 59, 58))).one().id == row.id


def test_ids_count_up_and_unique_constraints_hold(db: Session) -> None:
    a, b = User(name="a", password_hash="x", role="viewer"), User(name="b", password_hash="x", role="viewer")
    db.add_all([a, b])
    db.commit()
    assert a.id is not None and b.id is not None and b.id > a.id
    assert a.active is True
    db.add(Membership(user_id=a.id, case_id="case", role="viewer"))
    db.commit()
    db.add(Membership(user_id=a.id, case_id="case", role="reviewer"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    db.add(User(name="a", password_hash="y", role="viewer"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_deleting_a_user_removes_the_memberships(db: Session) -> None:
    u = User(name="gone", password_hash="x", role="viewer")
    db.add(u)
    db.commit()
    db.add(Membership(user_id=u.id, case_id="case", role="viewer"))
    db.commit()
    db.delete(u)
    db.commit()
    assert db.scalars(select(Membership)).all() == []


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(QinglianError) as err:
        make_engine("postgresql://qinglian:s3cret-pw@127.0.0.1:1/app?connect_timeout=2")
    assert "s3cret-pw" not in str(err.value) and "127.0.0.1:1/app" in str(err.value)
