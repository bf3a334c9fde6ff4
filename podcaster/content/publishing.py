"""What the public may see, and when: drafts, scheduled items, the next change time.

Posts and episodes share one rule: an item is public once it is not a draft and
its ``publish_at`` has passed. ``scheduled`` only records that the author chose
a future time; nothing has to flip the status when that time comes, so a
scheduled item appears on its own, and a cache needs only ``next_change_time``
to know when to expire.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..models.common import Status


class PublishingError(ValueError):
    """The chosen status and time do not go together; the message is for the form."""


def is_visible(status: str, publish_at: datetime | None, now: datetime) -> bool:
    """Whether an item with this status and time is public at ``now``.

    Args:
        status: one of ``Status`` (draft, scheduled, published).
        publish_at: when the item becomes public (naive UTC), or None.
        now: the present (naive UTC).

    Returns:
        True when the public may see the item.
    """
    return status != Status.DRAFT and publish_at is not None and publish_at <= now


def visible_filter(model, now: datetime) -> ColumnElement[bool]:
    """An SQL criterion selecting the rows of ``model`` that are public at ``now``.

    Args:
        model: a mapped class with ``status`` and ``publish_at`` columns (Post, Episode).
        now: the present (naive UTC).

    Returns:
        A criterion for ``select(...).where(...)``; the same rule as ``is_visible``.
    """
    return and_(
        model.status != Status.DRAFT.value,
        model.publish_at.is_not(None),
        model.publish_at <= now,
    )


def display_status(status: str, publish_at: datetime | None, now: datetime) -> str:
    """The status an admin list should show: a scheduled item whose time passed is published.

    Args:
        status: the stored status.
        publish_at: the stored publication time.
        now: the present.

    Returns:
        ``draft``, ``scheduled`` (public later) or ``published`` (public now).
    """
    if status == Status.DRAFT:
        return Status.DRAFT.value
    if is_visible(status, publish_at, now):
        return Status.PUBLISHED.value
    return Status.SCHEDULED.value


def display_status_counts(session: Session, model, group_by, now: datetime) -> dict[object, dict[str, int]]:
    """How many rows of ``model`` have each ``display_status``, per value of ``group_by``, in one query.

    Args:
        session: the database session.
        model: a mapped class with ``status`` and ``publish_at`` columns (Episode).
        group_by: the column to count by (``Episode.show_id``).
        now: the present (naive UTC).

    Returns:
        ``{group value: {"draft": n, "scheduled": n, "published": n}}``, each status present, for every
        group with at least one row.
    """
    state = case((model.status == Status.DRAFT.value, Status.DRAFT.value),
                 (visible_filter(model, now), Status.PUBLISHED.value), else_=Status.SCHEDULED.value)
    found: dict[object, dict[str, int]] = {}
    for group, name, number in session.execute(
            select(group_by, state, func.count()).group_by(group_by, state)):
        counts = found.setdefault(group, {status.value: 0 for status in Status})
        counts[name] = number
    return found


def resolve_publication(
    status: str, publish_at: datetime | None, now: datetime
) -> tuple[str, datetime | None]:
    """Turn what the author chose on a form into the status and time to store.

    * draft: kept as a draft; a time given is remembered for later.
    * published without a time: public from ``now``.
    * published with a future time, or scheduled: public at that time (stored as scheduled
      while it is in the future, published once it is not).
    * scheduled without a time: refused.

    Args:
        status: the chosen status.
        publish_at: the chosen time (naive UTC), or None.
        now: the present.

    Returns:
        ``(status, publish_at)`` to store.

    Raises:
        PublishingError: a scheduled item without a time, or an unknown status.
    """
    if status not in {s.value for s in Status}:
        raise PublishingError(f"Unknown status {status!r}.")
    if status == Status.DRAFT:
        return Status.DRAFT.value, publish_at
    if publish_at is None:
        if status == Status.SCHEDULED:
            raise PublishingError("A scheduled item needs a publication time.")
        return Status.PUBLISHED.value, now.replace(microsecond=0)
    if publish_at > now:
        return Status.SCHEDULED.value, publish_at
    return Status.PUBLISHED.value, publish_at


def next_change_time(session: Session, models: Iterable, now: datetime) -> datetime | None:
    """The earliest moment after ``now`` at which a scheduled item of ``models`` becomes public.

    Caches of public pages and feeds stay valid until then (or until an edit).

    Args:
        session: the database session.
        models: mapped classes with ``status`` and ``publish_at`` (e.g. ``[Post, Episode]``).
        now: the present.

    Returns:
        The next publication time, or None when nothing is scheduled.
    """
    times = []
    for model in models:
        found = session.execute(
            select(func.min(model.publish_at)).where(
                model.status != Status.DRAFT.value, model.publish_at > now
            )
        ).scalar()
        if found is not None:
            times.append(found)
    return min(times) if times else None
