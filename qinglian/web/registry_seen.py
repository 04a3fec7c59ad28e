"""The party page's "seen in N other cases", from the agency's registry beside the cases.

Only the cases the viewer is a member of are named and linked; the others are counted, so a member
of one case learns that another case shares the party's identifiers, never that case's parties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qinglian.errors import QinglianError
from qinglian.link.registry import KIND_NAMES, Elsewhere, default_path, elsewhere
from qinglian.web.cases import find_cases
from qinglian.web.db import Membership, User


@dataclass(frozen=True)
class Seen:
    total: int
    shown: list[Elsewhere]
    names: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(KIND_NAMES))

    @property
    def hidden(self) -> int:
        return self.total - len(self.shown)


def seen_elsewhere(s: Session, user: User, cases_dir: Path, case_id: str, holder: str) -> Seen | None:
    """The other registered cases sharing the party's name, numbers, accounts, signatures or bank
    accounts; None where there are none or no registry."""
    try:
        found = elsewhere(default_path(cases_dir), case_id, holder)
    except QinglianError:
        return None  # a registry being rebuilt or damaged must not take the party page down with it
    if not found:
        return None
    member = set(s.scalars(select(Membership.case_id).where(Membership.user_id == user.id)))
    here = find_cases(cases_dir)
    return Seen(len(found), [e for e in found if e.case_id in member and e.case_id in here])
