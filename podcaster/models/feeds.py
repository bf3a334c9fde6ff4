"""Built feeds kept in the database, so every worker and every app server shares one cache."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db


class FeedCache(db.Model):
    """The bytes of one built feed with its validators.

    ``key`` names the feed ("show:<id>", "blog"). Any change to what the feed
    shows sets ``stale`` and bumps ``version`` in the same transaction; a
    builder stores its result only if ``version`` did not move while it built,
    so an edit made during a rebuild is never lost. ``valid_until`` is the next
    scheduled publication: past it the feed is rebuilt even without an edit.
    ``build_error`` says why the last rebuild failed (the old bytes are served meanwhile),
    ``build_failed_at`` when, so a broken feed is retried once a minute, not on every request.
    """

    __tablename__ = "feed_cache"
    shown_on_pages = False  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    show_id: Mapped[int | None] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(default=0)
    stale: Mapped[bool] = mapped_column(default=False)
    etag: Mapped[str] = mapped_column(String(80))
    last_modified: Mapped[datetime]
    built_at: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    # Deferred: a conditional GET needs only the validators, never the bytes.
    body: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    body_gzip: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    build_error: Mapped[str | None] = mapped_column(Text)
    build_failed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<FeedCache {self.key}>"


class FeedHealth(db.Model):
    """What the feed doctor last found in a show's feed, so the dashboard never runs it.

    Written whenever the doctor checks the show (Feed health page, ``podcaster check-feed``);
    ``stale`` is set by every change that marks the show's feed stale, in the same transaction,
    until the doctor runs again. Counts are of findings (rules), as the doctor reports them.
    """

    __tablename__ = "feed_health"
    shown_on_pages = False  # see models.common.SHOWN_ON_PAGES

    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), primary_key=True)
    errors: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    unchecked: Mapped[int] = mapped_column(default=0)
    checked_at: Mapped[datetime]
    stale: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<FeedHealth show {self.show_id}>"
