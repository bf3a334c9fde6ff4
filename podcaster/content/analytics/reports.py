"""What the author reads about the listeners: queries over the daily aggregates (``download_day``) only.

Every function here reads ``DailyDownloads`` rows, never the raw hits, so a page's cost follows the number
of days, episodes and apps shown, not the number of downloads. Each returns plain rows (named tuples) that
the admin pages draw and write as CSV and that ``podcaster stats report`` prints.

Days are UTC calendar days, as the counting rules define them. "The first N days after release" are the
N UTC days starting with the day of the episode's publication time: day 1 is its release day.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ...models import DailyDownloads, Episode, Show
from ..publishing import visible_filter

#: The release windows compared across episodes, in days.
RELEASE_WINDOWS = (1, 7, 30, 90)
#: How many of the newest released episodes the release comparison covers (its cost is bounded by it).
RELEASE_EPISODES = 50
#: The dashboard's span.
GLANCE_DAYS = 30
#: The most apps a table or chart lists (the rest are summed into "Other").
TOP_APPS = 10


class DayRow(NamedTuple):
    day: date
    downloads: int


class EpisodeRow(NamedTuple):
    episode_id: int
    title: str
    downloads: int


class ShowRow(NamedTuple):
    show_id: int
    title: str
    downloads: int


class NamedCount(NamedTuple):
    """An app, platform or country with its downloads."""

    name: str
    downloads: int


class ReleaseRow(NamedTuple):
    """An episode's downloads in the first 1, 7, 30 and 90 days; None where that window has not ended yet."""

    episode_id: int
    title: str
    released: date
    first_day: int | None
    first_week: int | None
    first_month: int | None
    first_90_days: int | None


class EpisodeApps(NamedTuple):
    """One episode's downloads in a range, with the apps that made them (largest first)."""

    episode_id: int
    title: str
    released: date | None
    downloads: int
    apps: tuple[NamedCount, ...]


def _scope(show_id: int | None = None, episode_id: int | None = None, start: date | None = None,
           end: date | None = None) -> list:
    """The WHERE terms of a query over ``download_day`` (the indexes lead with show or episode, then day)."""
    terms = []
    if episode_id is not None:
        terms.append(DailyDownloads.episode_id == episode_id)
    if show_id is not None:
        terms.append(DailyDownloads.show_id == show_id)
    if start is not None:
        terms.append(DailyDownloads.day >= start)
    if end is not None:
        terms.append(DailyDownloads.day <= end)
    return terms


def days_between(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def downloads_per_day(session: Session, start: date, end: date, *, show_id: int | None = None,
                      episode_id: int | None = None) -> list[DayRow]:
    """Downloads on each day of the range (days without any are 0), for a show, an episode or the whole site.

    Args:
        session: the database session.
        start: the first UTC day.
        end: the last UTC day (included).
        show_id: only this show's downloads.
        episode_id: only this episode's downloads.

    Returns:
        One row per day, in order.
    """
    total = func.sum(DailyDownloads.downloads)
    found = dict(session.execute(
        select(DailyDownloads.day, total).where(*_scope(show_id, episode_id, start, end))
        .group_by(DailyDownloads.day)).all())
    return [DayRow(day, int(found.get(day, 0))) for day in days_between(start, end)]


def total_downloads(session: Session, start: date | None = None, end: date | None = None, *,
                    show_id: int | None = None, episode_id: int | None = None) -> int:
    """All downloads in the range (every day when ``start``/``end`` are None)."""
    total = session.scalar(select(func.sum(DailyDownloads.downloads))
                           .where(*_scope(show_id, episode_id, start, end)))
    return int(total or 0)


def episode_totals(session: Session, show_id: int, start: date, end: date) -> list[EpisodeRow]:
    """Each episode of a show with its downloads in the range, most downloaded first (none: not listed)."""
    total = func.sum(DailyDownloads.downloads).label("total")
    rows = session.execute(
        select(Episode.id, Episode.title, total).join(Episode, Episode.id == DailyDownloads.episode_id)
        .where(*_scope(show_id, None, start, end)).group_by(Episode.id, Episode.title)
        .order_by(total.desc(), Episode.id)).all()
    return [EpisodeRow(episode_id, title, int(downloads)) for episode_id, title, downloads in rows]


def show_totals(session: Session, start: date, end: date) -> list[ShowRow]:
    """Every show with its downloads in the range (0 when none), in the admin's order of shows."""
    total = (select(func.sum(DailyDownloads.downloads)).where(DailyDownloads.show_id == Show.id,
                                                              *_scope(None, None, start, end))
             .correlate(Show).scalar_subquery())
    rows = session.execute(select(Show.id, Show.title, total).order_by(Show.position, Show.title)).all()
    return [ShowRow(show_id, title, int(downloads or 0)) for show_id, title, downloads in rows]


def _ranked(rows: Sequence[tuple[str, int]], limit: int | None, rest: str) -> list[NamedCount]:
    counts = [NamedCount(name, int(downloads)) for name, downloads in rows]
    if limit is None or len(counts) <= limit:
        return counts
    kept, others = counts[:limit], sum(count.downloads for count in counts[limit:])
    return [*kept, NamedCount(rest, others)]


def top_apps(session: Session, start: date | None = None, end: date | None = None, *, show_id: int | None = None,
             episode_id: int | None = None, limit: int | None = TOP_APPS) -> list[NamedCount]:
    """Downloads by app, largest first; beyond ``limit`` apps the rest are one "All others" row."""
    total = func.sum(DailyDownloads.downloads).label("total")
    rows = session.execute(select(DailyDownloads.app, total).where(*_scope(show_id, episode_id, start, end))
                           .group_by(DailyDownloads.app).order_by(total.desc(), DailyDownloads.app)).all()
    return _ranked(rows, limit, "All others")


def countries(session: Session, start: date, end: date, *, show_id: int | None = None,
              episode_id: int | None = None) -> list[NamedCount]:
    """Downloads by country code, largest first; empty when no download in the range has a country.

    Countries exist only where a GeoIP database is configured, so a site without one shows no table
    rather than one row of "unknown". Downloads without a country, when others have one, are "Unknown".
    """
    total = func.sum(DailyDownloads.downloads).label("total")
    rows = session.execute(select(DailyDownloads.country, total).where(*_scope(show_id, episode_id, start, end))
                           .group_by(DailyDownloads.country).order_by(total.desc(), DailyDownloads.country)).all()
    if all(code == "" for code, _ in rows):
        return []
    return [NamedCount(code or "Unknown", int(downloads)) for code, downloads in rows]


def release_comparison(session: Session, show_id: int, now: datetime,
                       windows: Sequence[int] = RELEASE_WINDOWS,
                       episodes: int = RELEASE_EPISODES) -> list[ReleaseRow]:
    """The newest released episodes of a show, each with its downloads in the first 1, 7, 30 and 90 days.

    One query finds the episodes, one reads their first 90 days of aggregates (at most ``episodes`` x 90
    grouped rows, whatever the number of hits); a window that has not ended yet is None, so the new
    episode is compared with the others only over days it has had.

    Args:
        session: the database session.
        show_id: the show.
        now: the present (naive UTC).
        windows: the window lengths in days (four of them: the row's fields).
        episodes: how many of the newest released episodes to compare.

    Returns:
        One row per released episode, newest first.
    """
    released = session.execute(
        select(Episode.id, Episode.title, Episode.publish_at).where(Episode.show_id == show_id,
                                                                    visible_filter(Episode, now))
        .order_by(Episode.publish_at.desc(), Episode.id.desc()).limit(episodes)).all()
    if not released:
        return []
    longest = max(windows)
    first_days = {episode_id: publish_at.date() for episode_id, _, publish_at in released}
    per_day: dict[int, list[tuple[int, int]]] = {episode_id: [] for episode_id in first_days}
    spans = [and_(DailyDownloads.episode_id == episode_id, DailyDownloads.day >= first,
                  DailyDownloads.day < first + timedelta(days=longest))
             for episode_id, first in first_days.items()]
    for episode_id, day, downloads in session.execute(
            select(DailyDownloads.episode_id, DailyDownloads.day, func.sum(DailyDownloads.downloads))
            .where(DailyDownloads.show_id == show_id, or_(*spans))
            .group_by(DailyDownloads.episode_id, DailyDownloads.day)):
        per_day[episode_id].append(((day - first_days[episode_id]).days, int(downloads)))
    today = now.date()
    rows = []
    for episode_id, title, _ in released:
        first = first_days[episode_id]
        sums = [sum(value for offset, value in per_day[episode_id] if offset < length)
                if today >= first + timedelta(days=length) else None for length in windows]
        rows.append(ReleaseRow(episode_id, title, first, *sums))
    return rows


def episode_report(session: Session, show_id: int, since: date | None = None,
                   apps_per_episode: int | None = None) -> list[EpisodeApps]:
    """Every episode of a show with its downloads since ``since`` (all time when None) and by app.

    What ``podcaster stats report`` prints: two grouped queries, newest episode first; episodes
    without a download are listed with 0.
    """
    episodes = session.execute(select(Episode.id, Episode.title, Episode.publish_at)
                               .where(Episode.show_id == show_id)
                               .order_by(Episode.publish_at.desc().nulls_last(), Episode.id.desc())).all()
    apps: dict[int, list[tuple[str, int]]] = {}
    total = func.sum(DailyDownloads.downloads).label("total")
    for episode_id, app, downloads in session.execute(
            select(DailyDownloads.episode_id, DailyDownloads.app, total)
            .where(*_scope(show_id, None, since, None))
            .group_by(DailyDownloads.episode_id, DailyDownloads.app)
            .order_by(DailyDownloads.episode_id, total.desc(), DailyDownloads.app)):
        apps.setdefault(episode_id, []).append((app, int(downloads)))
    report = []
    for episode_id, title, publish_at in episodes:
        ranked = _ranked(apps.get(episode_id, []), apps_per_episode, "All others")
        report.append(EpisodeApps(episode_id, title, publish_at.date() if publish_at else None,
                                  sum(count.downloads for count in ranked), tuple(ranked)))
    return report
