"""Pieces shared by several models: time, publication status, timestamps."""
from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime (how every time is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Status(enum.StrEnum):
    """Publication status of a post or an episode.

    An item is visible to the public when it is not a draft and its
    ``publish_at`` has passed; ``scheduled`` only says the author chose a time.
    """

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
