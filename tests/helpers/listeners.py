"""Listener statistics for tests: a show with released episodes and ``download_day`` rows seeded in bulk."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import insert

from podcaster.extensions import db
from podcaster.models import DailyDownloads, Episode, Show

#: A fixed present for statistics tests (a Tuesday, midday UTC).
NOW = datetime(2026, 6, 16, 12, 0, 0)
TODAY = NOW.date()


def make_listened_show(app, *, episodes: int = 3, slug: str = "heard-show", title: str = "Heard Show",
                       now: datetime = NOW, days_apart: int = 10) -> tuple[int, list[int]]:
    """A show whose episodes were released ``days_apart`` days apart, the newest one day before ``now``.

    Returns:
        (show id, episode ids oldest first).
    """
    with app.app_context():
        show = Show(title=title, slug=slug, author_name="Ada Quill", owner_name="Ada Quill",
                    owner_email="ada@example.com")
        db.session.add(show)
        db.session.flush()
        made = []
        for n in range(1, episodes + 1):
            released = now - timedelta(days=1 + (episodes - n) * days_apart)
            episode = Episode(show_id=show.id, title=f"Episode {n}", slug=f"episode-{n}", number=n,
                              status="published", publish_at=released, chapters=[], persons=[], soundbites=[])
            db.session.add(episode)
            db.session.flush()
            made.append(episode.id)
        db.session.commit()
        return show.id, made


def add_downloads(app, show_id: int, rows: Iterable[tuple[int, date, str, int] | tuple[int, date, str, int, str]]
                  ) -> None:
    """Insert ``download_day`` rows: (episode id, day, app, downloads[, country]) in one bulk statement."""
    values = [{"show_id": show_id, "episode_id": row[0], "day": row[1], "app": row[2], "downloads": row[3],
               "platform": "", "country": row[4] if len(row) > 4 else ""} for row in rows]
    with app.app_context():
        if values:
            db.session.execute(insert(DailyDownloads), values)
        db.session.commit()


def spread_downloads(episode_ids: list[int], days: int, apps: tuple[str, ...], per_row: int,
                     end: date = TODAY) -> list[tuple[int, date, str, int]]:
    """Rows for every episode x each of the ``days`` days up to ``end`` x each app, ``per_row`` downloads each."""
    return [(episode_id, end - timedelta(days=offset), app, per_row)
            for episode_id in episode_ids for offset in range(days) for app in apps]
