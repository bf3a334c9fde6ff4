"""Which requests count, raw hits, and the roll-up of hits into daily downloads (IAB v2.2).

The rules:

- only GET requests for an episode's audio; HEAD, and the ``Range: bytes=0-1`` probe apps send to learn a
  file's size, are never recorded;
- one download per listener (IP, IPv6 cut to /64, and user agent) per episode per **UTC calendar day**
  (the guidelines accept a calendar day for their 24 hours; UTC makes every server and log agree);
- it counts once the bytes served to that listener for that episode that day, summed across all their
  range requests, reach the file's header plus 60 seconds of audio at its bitrate, or the whole file when
  it is shorter (``threshold_bytes``);
- bots, non-listeners and Apple Watch (the user-agent list) never count; their hits are kept marked
  ``bot`` so the figure of what was left out stays visible.

Hits are appended to ``download_hit``; ``roll_up`` rewrites ``listener_download`` and ``download_day`` for
the days whose hits changed (today and yesterday always), and forgets what is past the keep period.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from ...models import AnalyticsState, DailyDownloads, DownloadHit, Episode, ListenerDownload, MediaFile
from .salts import destroy_past_salts

#: The probe players send to learn the size; never a download (Castopod counted any other range whole).
_PROBE = re.compile(r"\s*bytes\s*=\s*0\s*-\s*1\s*", re.IGNORECASE)
#: Assumed when a file's duration is unknown (a remote file, an unreadable one): a common podcast bitrate.
DEFAULT_BITRATE = 128_000
THRESHOLD_SECONDS = 60
KEEP_DAYS = 30
SOURCE_APP, SOURCE_REDIRECT, SOURCE_LOG = "app", "redirect", "log"
_BATCH = 5000


def may_count(method: str, range_header: str | None, status: int) -> bool:
    """Whether a request for audio is a hit: a GET answered 200 or 206 that is not the 0-1 probe."""
    if method != "GET" or status not in (200, 206):
        return False
    return not (range_header and _PROBE.fullmatch(range_header))


def threshold_bytes(size: int, duration: float | None, bitrate: int | None) -> int:
    """Bytes a listener must be served for a download: header + 60 s of audio, or the whole file if shorter.

    The header (ID3 tags, artwork) is the size the audio frames do not account for: ``size`` less
    ``duration`` seconds at ``bitrate``.

    Args:
        size: the file's size in bytes.
        duration: its measured duration in seconds, if known.
        bitrate: its bitrate in bits per second, if known.
    """
    if size <= 0:
        return 0
    if duration and duration > 0:
        rate = bitrate or int(size * 8 / duration)
        header = max(0, size - int(duration * rate / 8))
    else:
        rate, header = bitrate or DEFAULT_BITRATE, 0
    return min(size, header + THRESHOLD_SECONDS * rate // 8)


@dataclass(slots=True)
class Hit:
    """One recorded request (no address: ``listener`` is the salted hash)."""

    at: datetime
    day: date
    show_id: int
    episode_id: int
    listener: str
    app: str
    platform: str
    country: str
    bytes: int
    bot: bool
    source: str = SOURCE_APP
    line_key: str | None = None

    def row(self) -> dict:
        """The hit as a ``download_hit`` row (dataclasses.asdict deep-copies: ten times slower)."""
        return {"at": self.at, "day": self.day, "show_id": self.show_id, "episode_id": self.episode_id,
                "listener": self.listener, "app": self.app, "platform": self.platform, "country": self.country,
                "bytes": self.bytes, "bot": self.bot, "source": self.source, "line_key": self.line_key}


def record_hits(session: Session, hits: Iterable[Hit]) -> int:
    """Append hits in batches; a hit whose ``line_key`` is already stored is skipped. Returns how many were added.

    Does not commit.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    # Core on the table, not the ORM's bulk insert: no per-row bookkeeping for rows nothing loads back.
    statement = dialect_insert(DownloadHit.__table__).on_conflict_do_nothing(index_elements=["line_key"])
    added = 0
    batch: list[dict] = []
    for hit in hits:
        batch.append(hit.row())
        if len(batch) >= _BATCH:
            added += _insert(session, statement, batch)
            batch = []
    if batch:
        added += _insert(session, statement, batch)
    return added


def _insert(session: Session, statement, batch: list[dict]) -> int:
    keys = [row["line_key"] for row in batch if row["line_key"] is not None]
    if keys:  # lines ingested before are left out here; the conflict clause covers a concurrent ingestion
        unique = {row["line_key"]: row for row in batch if row["line_key"] is not None}
        batch = [row for row in batch if row["line_key"] is None] + list(unique.values())
        seen = set(session.scalars(select(DownloadHit.line_key).where(DownloadHit.line_key.in_(keys))))
        if seen:
            batch = [row for row in batch if row["line_key"] not in seen]
        if not batch:
            return 0
    session.connection().execute(statement, batch)
    return len(batch)


def _thresholds(session: Session, episode_ids: set[int]) -> dict[int, int]:
    rows = session.execute(
        select(Episode.id, MediaFile.size, Episode.remote_audio_size, Episode.duration, Episode.bitrate)
        .outerjoin(MediaFile, MediaFile.id == Episode.audio_id).where(Episode.id.in_(episode_ids)))
    return {row.id: threshold_bytes(row.size or row.remote_audio_size or 0, row.duration, row.bitrate)
            for row in rows}


def _state(session: Session) -> AnalyticsState:
    """The state row, locked until the roll-up commits, so roll-ups run one at a time.

    The periodic job, the job queued after an ingestion and ``stats report`` may start together; each
    rewrites the same days (PostgreSQL: a unique violation; SQLite: a locked database). Writing the row
    first takes PostgreSQL's row lock and SQLite's write lock, so a second roll-up waits at this statement
    for the first one's commit, then reads what it wrote (a ``SELECT ... FOR UPDATE`` would do nothing on
    SQLite).
    """
    session.execute(update(AnalyticsState).where(AnalyticsState.id == 1)
                    .values(rolled_hit_id=AnalyticsState.rolled_hit_id))
    state = session.get(AnalyticsState, 1, populate_existing=True)
    if state is None:
        state = AnalyticsState(id=1, rolled_hit_id=0)
        session.add(state)
        session.flush()
    return state


def roll_up(session: Session, now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Rewrite the daily downloads of every day whose hits changed (today and yesterday always), prune hits
    and per-listener rows older than ``keep_days``, destroy past salts; commit. Idempotent.

    Args:
        session: where hits are read and aggregates written.
        now: the current time (naive UTC).
        keep_days: days raw hits are kept (``ANALYTICS_KEEP_DAYS``).

    Returns:
        The number of ``download_day`` rows written.
    """
    state = _state(session)
    last_id = session.scalar(select(func.max(DownloadHit.id))) or 0
    oldest_kept = now.date() - timedelta(days=keep_days)
    days = set(session.scalars(select(DownloadHit.day).distinct().where(DownloadHit.id > state.rolled_hit_id)))
    # A hit committed late (a PostgreSQL id taken before a slower commit) is still read the next time.
    days |= {now.date(), now.date() - timedelta(days=1)}
    written = 0
    for day in sorted(d for d in days if d >= oldest_kept):
        written += _roll_up_day(session, day)
    session.execute(delete(DownloadHit).where(DownloadHit.day < oldest_kept))
    session.execute(delete(ListenerDownload).where(ListenerDownload.day < oldest_kept))
    destroy_past_salts(session, now)
    session.execute(update(AnalyticsState).where(AnalyticsState.id == 1).values(rolled_hit_id=last_id))
    session.commit()
    return written


def _roll_up_day(session: Session, day: date) -> int:
    grouped = session.execute(
        select(DownloadHit.episode_id, DownloadHit.listener, func.min(DownloadHit.show_id).label("show_id"),
               func.min(DownloadHit.app).label("app"), func.min(DownloadHit.platform).label("platform"),
               func.min(DownloadHit.country).label("country"), func.sum(DownloadHit.bytes).label("bytes"),
               func.count().label("requests"))
        .where(DownloadHit.day == day, DownloadHit.bot.is_(False))
        .group_by(DownloadHit.episode_id, DownloadHit.listener)).all()
    thresholds = _thresholds(session, {row.episode_id for row in grouped}) if grouped else {}
    listeners = [
        {"day": day, "show_id": row.show_id, "episode_id": row.episode_id, "listener": row.listener,
         "app": row.app, "platform": row.platform, "country": row.country, "bytes": int(row.bytes),
         "requests": row.requests, "counted": int(row.bytes) >= thresholds.get(row.episode_id, 1)}
        for row in grouped if row.episode_id in thresholds]
    downloads: Counter[tuple] = Counter(
        (row["show_id"], row["episode_id"], row["app"], row["platform"], row["country"])
        for row in listeners if row["counted"])
    session.execute(delete(ListenerDownload).where(ListenerDownload.day == day))
    session.execute(delete(DailyDownloads).where(DailyDownloads.day == day))
    if listeners:
        session.execute(insert(ListenerDownload), listeners)
    if downloads:
        session.execute(insert(DailyDownloads), [
            {"day": day, "show_id": show_id, "episode_id": episode_id, "app": app, "platform": platform,
             "country": country, "downloads": count}
            for (show_id, episode_id, app, platform, country), count in downloads.items()])
    return len(downloads)
