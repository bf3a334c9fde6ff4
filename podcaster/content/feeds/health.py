"""What the feed doctor last found in each show's feed, stored so the dashboard never runs it.

The doctor (``service.check_show`` through the web, the Feed health page, ``podcaster check-feed``)
records its counts with ``record``. Every change that marks a show's feed stale marks its summary
stale too, in the same transaction (``cache.invalidate`` calls ``mark_stale``), so the dashboard can say
"not checked since the last change" instead of showing figures about a feed that is no more.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import FeedCache, FeedHealth

if TYPE_CHECKING:  # the cache imports this module on every flush; the doctor (lxml, Pillow) is not needed here
    from . import doctor

_table = FeedHealth.__table__
_cache = FeedCache.__table__


@dataclass(frozen=True)
class HealthSummary:
    """A show's stored doctor figures (counts of findings, as the doctor groups them)."""

    show_id: int
    errors: int
    warnings: int
    unchecked: int
    checked_at: datetime
    stale: bool  # the feed changed, or may have, since it was checked


def record(session: Session, show_id: int, report: doctor.Report, now: datetime,
           version: int | None = None) -> None:
    """Store what the doctor found in a show's feed (committed here).

    Args:
        session: the database session.
        show_id: the show checked.
        report: the doctor's report on its feed.
        now: when it was checked.
        version: the feed cache row's version the checked bytes came from: an edit committed while the
            doctor ran moved it, and the summary stays stale.
    """
    current = feed_version(session, show_id)
    values = {"errors": len(report.errors), "warnings": len(report.warnings),
              "unchecked": len(report.unchecked), "checked_at": now,
              "stale": version is not None and current != version}
    try:
        updated = session.execute(update(_table).where(_table.c.show_id == show_id).values(**values))
        if updated.rowcount == 0:
            session.execute(insert(_table).values(show_id=show_id, **values))
        session.commit()
    except IntegrityError:  # another worker recorded the show first: its figures are as recent
        session.rollback()


def feed_version(session: Session, show_id: int) -> int | None:
    """The version of the show's cached feed (read before checking it, passed to ``record``)."""
    return session.execute(select(_cache.c.version).where(_cache.c.show_id == show_id)).scalar()


def summaries(session: Session, now: datetime) -> dict[int, HealthSummary]:
    """Every stored summary, by show id, in one query.

    A summary also counts as stale when its feed moved on without an edit: a scheduled episode went
    out (the cached feed expired, or was rebuilt after the check).
    """
    rows = session.execute(
        select(_table, _cache.c.valid_until, _cache.c.last_modified)
        .select_from(_table.outerjoin(_cache, _cache.c.show_id == _table.c.show_id))
    )
    found = {}
    for row in rows:
        moved_on = (row.valid_until is not None and row.valid_until <= now) or (
            row.last_modified is not None and row.last_modified > row.checked_at)
        found[row.show_id] = HealthSummary(row.show_id, row.errors, row.warnings, row.unchecked, row.checked_at,
                                           row.stale or moved_on)
    return found


def mark_stale(session: Session, *, show_ids: set[int] | None = None, all_shows: bool = False) -> None:
    """Mark summaries stale in the current transaction (``cache.invalidate`` calls it)."""
    if all_shows:
        session.connection().execute(update(_table).values(stale=True))
    elif show_ids:
        session.connection().execute(update(_table).where(_table.c.show_id.in_(show_ids)).values(stale=True))


def forget(session: Session, show_ids: set[int]) -> None:
    """Drop deleted shows' summaries (PostgreSQL cascades; SQLite, unenforced, could hand one to a new show)."""
    session.connection().execute(delete(_table).where(_table.c.show_id.in_(show_ids)))
