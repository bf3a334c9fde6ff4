"""Listener statistics: raw hits (append-only), per-listener downloads of a day, daily aggregates, daily salts.

The counting rules live in ``content/analytics/``; these tables only hold what the rules produce. No column
holds an IP address: a listener is ``listener``, a hash of the IP (IPv6 cut to /64) and user agent with the
day's salt (``ListenerSalt``), and the salt is destroyed once its day is over.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ListenerRequestColumns:
    """The columns a raw hit and a listener's day share: which episode, which listener, which app, platform
    and country, and how many bytes (one request's, or a day's sum). ``day`` and ``show_id`` are declared
    by each table, since each indexes a different one of them."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)  # first, as in the migration
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    listener: Mapped[str] = mapped_column(String(32))
    app: Mapped[str] = mapped_column(String(80), default="Other")
    platform: Mapped[str] = mapped_column(String(40), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    bytes: Mapped[int] = mapped_column(BigInteger)


class DownloadHit(ListenerRequestColumns, db.Model):
    """One GET of an episode's audio that may count: append-only, kept ``ANALYTICS_KEEP_DAYS`` days.

    ``bytes`` are the bytes served by this one request (its range); a listener's requests of a day are summed
    by the roll-up. ``bot`` is the user-agent list's verdict (bots, non-listeners and Apple Watch), kept on the
    hit itself so it cannot be lost. ``source`` is where the hit was seen: "app" (our media route), "redirect"
    (a 302 to S3/CDN: the bytes are the file's size, since we never see them) or "log" (nginx access log).
    ``line_key`` is a salted hash of a log line, so ingesting the same line twice adds nothing.
    """

    __tablename__ = "download_hit"
    shown_on_pages = False  # listener figures appear only in the studio, never on cached pages
    __table_args__ = (Index("ix_download_hit_day_episode", "day", "episode_id"),)

    at: Mapped[datetime]  # naive UTC
    day: Mapped[date] = mapped_column(Date, index=True)  # UTC calendar day of ``at``
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"))
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10), default="app")
    line_key: Mapped[str | None] = mapped_column(String(32), unique=True)


class ListenerDownload(ListenerRequestColumns, db.Model):
    """One listener's requests of one episode on one UTC day, summed; ``counted`` once they reach the threshold.

    Rewritten by the roll-up for every day whose hits changed; pruned with the raw hits.
    """

    __tablename__ = "listener_download"
    shown_on_pages = False  # listener figures appear only in the studio, never on cached pages
    __table_args__ = (
        UniqueConstraint("day", "episode_id", "listener", name="uq_listener_download_day_episode_listener"),
    )

    day: Mapped[date] = mapped_column(Date)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    requests: Mapped[int] = mapped_column(default=1)
    counted: Mapped[bool] = mapped_column(Boolean, default=False)


class DailyDownloads(db.Model):
    """Counted downloads of one episode on one UTC day for one app / platform / country: what every chart reads."""

    __tablename__ = "download_day"
    shown_on_pages = False  # listener figures appear only in the studio, never on cached pages
    __table_args__ = (
        UniqueConstraint("day", "episode_id", "app", "platform", "country", name="uq_download_day_key"),
        Index("ix_download_day_show_day", "show_id", "day"),
        Index("ix_download_day_episode_day", "episode_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    app: Mapped[str] = mapped_column(String(80), default="Other")
    platform: Mapped[str] = mapped_column(String(40), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    downloads: Mapped[int] = mapped_column(default=0)


class ListenerSalt(db.Model):
    """The secret mixed into the day's listener hashes; deleted (destroyed) by the roll-up after the day."""

    __tablename__ = "listener_salt"
    shown_on_pages = False  # listener figures appear only in the studio, never on cached pages

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class AnalyticsState(db.Model):
    """One row: the last raw hit the roll-up has read, so it knows which days' hits changed since."""

    __tablename__ = "analytics_state"
    shown_on_pages = False  # listener figures appear only in the studio, never on cached pages

    id: Mapped[int] = mapped_column(primary_key=True)
    rolled_hit_id: Mapped[int] = mapped_column(default=0)
