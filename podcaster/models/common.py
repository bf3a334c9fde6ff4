"""Pieces shared by several models: time, publication status, timestamps."""
from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy.orm import Mapped, mapped_column


#: The class attribute every model sets to say whether a public page shows its rows: writing a row of a
#: shown model retires the rendered pages (content/page_cache.py); a feed stored or a login does not.
#: tests/project/test_models.py checks that each model says it, so a new one cannot be forgotten.
SHOWN_ON_PAGES = "shown_on_pages"


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
