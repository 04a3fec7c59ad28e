"""The inspection-day operation in the workspace's own database: one operation per case, its sites
(holder, address, district, the ranking it came from), the team on each site and each site's status.

The tables hang on ``db.Base``, so ``make_engine`` creates them with the others once this module is
imported (the app imports it through its router).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qinglian.web.db import Base, now

# The day of a site, in order; the first is where every site starts.
STATUSES: tuple[str, ...] = ("not_started", "on_site", "seized", "done")
STATUS_ZH = {"not_started": "未开始", "on_site": "已到场", "seized": "证据已查获", "done": "已完成"}
STATUS_EN = {"not_started": "not started", "on_site": "on site", "seized": "evidence seized", "done": "done"}
# Who may be put on a site's team (a viewer only reads).
TEAM_ROLES: frozenset[str] = frozenset({"case_lead", "investigator", "reviewer"})


class Operation(Base):
    __tablename__ = "operations"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    day: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD as the lead typed it
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)


class OperationSite(Base):
    __tablename__ = "operation_sites"
    __table_args__ = (UniqueConstraint("operation_id", "holder"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"), index=True)
    # Kept on the site too, so every lookup by id is checked against the case in the URL.
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    holder: Mapped[str] = mapped_column(String(512))
    site: Mapped[str] = mapped_column(String(512), default="")
    district: Mapped[str] = mapped_column(String(64), default="")
    phase: Mapped[str] = mapped_column(String(16), default="")
    rank: Mapped[int | None] = mapped_column(default=None)
    score: Mapped[float | None] = mapped_column(default=None)
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # the ranking's reasons (JSON) when planned
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    changed_by: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[datetime] = mapped_column(default=now)


class SiteMember(Base):
    __tablename__ = "operation_site_members"
    __table_args__ = (UniqueConstraint("site_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("operation_sites.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
