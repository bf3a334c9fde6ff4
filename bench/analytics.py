"""Listener statistics: log ingestion against a plain read-and-split loop, and the dashboard's query at
10 thousand against 10 million raw hits.

    .venv/bin/python bench/analytics.py [--lines 1000000] [--hits 10000000]

1. ``--lines`` access-log lines in the ``podcaster_stats`` format (20 episodes, 5000 addresses, the OPAWG
   list's own example user agents, ranges and probes) are written to a file; the reference reads the file
   and splits each line (the least any ingestion does); ``podcaster stats ingest``'s function then parses,
   classifies, hashes and appends them all (SQLite, one transaction per file). Ratio = ingest / reference.
2. Two sites, one with 10 thousand raw hits and one with ``--hits`` (generated in SQL in bulk), both rolled
   up into ``download_day`` (the same 30 days x 10 episodes x 5 apps x 2 countries, so both aggregates are
   about the same size); the dashboard-like query (per-day totals of the last 30 days, top apps, totals per
   episode of one show) is timed on both, best of ``--rounds``. Target: ratio <= 1.5, which holds only if
   the query reads ``download_day`` and never ``download_hit``.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = datetime(2026, 12, 1, 18, 0, 0)
EPISODES = 20


def make_app(root: Path, name: str):
    from podcaster import create_app

    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / (name + '.sqlite')}",
                       "MEDIA_ROOT": str(root / name / "media"), "CLOCK": lambda: NOW, "TESTING": True,
                       "QUEUE_URL": "memory://"})


def build_site(root: Path, name: str):
    """Schema, one show, ``EPISODES`` episodes with audio rows (no files: nothing opens them)."""
    from sqlalchemy import insert, select

    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db
    from podcaster.models import Episode, MediaFile, Show

    app = make_app(root, name)
    with app.app_context():
        upgrade_schema()
        db.session.add(Show(title="Bench", slug="bench", description="d", language="en", author_name="A",
                            owner_name="A", owner_email="a@example.com"))
        db.session.commit()
        show_id = db.session.scalar(select(Show.id))
        db.session.execute(insert(MediaFile), [
            {"path": f"audio/bench/e{n}.mp3", "size": 30_000_000, "mime_type": "audio/mpeg", "sha256": "0" * 64,
             "kind": "audio"} for n in range(1, EPISODES + 1)])
        ids = dict(db.session.execute(select(MediaFile.path, MediaFile.id)).all())
        db.session.execute(insert(Episode), [
            {"show_id": show_id, "title": f"E{n}", "slug": f"e{n}", "guid": f"urn:bench:{n}", "notes": "",
             "audio_id": ids[f"audio/bench/e{n}.mp3"], "duration": 1875.0, "bitrate": 128_000, "number": n,
             "status": "published", "publish_at": NOW - timedelta(days=n), "chapters": [], "persons": [],
             "soundbites": []} for n in range(1, EPISODES + 1)])
        db.session.commit()
    return app, show_id


def example_agents() -> list[str]:
    from podcaster.content.analytics.user_agents import SHIPPED_LIST

    agents = [example for entry in json.loads(SHIPPED_LIST.read_text()) for example in entry.get("examples", [])]
    return agents[:400]


def write_log(path: Path, lines: int) -> None:
    rng = random.Random(14)
    agents = example_agents()
    start = (NOW - timedelta(hours=12)).timestamp()
    with open(path, "w") as out:
        for n in range(lines):
            address = f"198.51.{rng.randrange(20)}.{rng.randrange(250)}"
            first = rng.choice((0, 0, 1_000_000, 5_000_000, 20_000_000))
            byte_range, sent = ((f"bytes={first}-{first + 999_999}", 1_000_000) if rng.random() < 0.8
                                else ("bytes=0-1", 2) if rng.random() < 0.5 else ("", 30_000_000))
            out.write(f"{start + n * 0.04:.3f}\t{n:032x}\t{address}\tGET\t/media/audio/bench/e{rng.randrange(1, EPISODES + 1)}"
                      f".mp3\t{206 if byte_range else 200}\t{sent + 300}\t{sent}\t{byte_range}\t{rng.choice(agents)}\n")


def reference(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    fields = 0
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            fields += len(line.rstrip("\n").split("\t"))
    return time.perf_counter() - started, fields


def ingest(app, path: Path):
    from podcaster.content.analytics import logs, user_agents
    from podcaster.extensions import db

    with app.app_context():
        started = time.perf_counter()
        report = logs.ingest_files(db.session, [path], NOW, user_agents.shipped_list())
        return time.perf_counter() - started, report


HITS_SQL = """
INSERT INTO download_hit (at, day, show_id, episode_id, listener, app, platform, country, bytes, bot, source)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1)
SELECT datetime(:start, '+' || (i % 30) || ' days'), date(:start, '+' || (i % 30) || ' days'), :show_id,
       :first_episode + (i / 30) % 10, printf('%032x', i % 400000),
       CASE i % 5 WHEN 0 THEN 'Apple Podcasts' WHEN 1 THEN 'Spotify' WHEN 2 THEN 'Overcast'
                  WHEN 3 THEN 'Pocket Casts' ELSE 'AntennaPod' END,
       '', CASE (i / 7) % 2 WHEN 0 THEN 'FR' ELSE 'NZ' END, 30000000, 0, 'log'
FROM n
"""
# The roll-up's aggregate written in one statement (the roll-up itself reads per listener in Python, fine
# for a day's hits; rolling 10 million up that way would only slow the set-up of this bench).
ROLL_SQL = """
INSERT INTO download_day (day, show_id, episode_id, app, platform, country, downloads)
SELECT day, show_id, episode_id, app, platform, country, count(DISTINCT listener)
FROM download_hit GROUP BY day, episode_id, app, platform, country
"""


def fill(app, show_id: int, hits: int) -> float:
    from sqlalchemy import select, text

    from podcaster.extensions import db
    from podcaster.models import Episode

    with app.app_context():
        first = db.session.scalar(select(Episode.id).order_by(Episode.id))
        started = time.perf_counter()
        db.session.execute(text(HITS_SQL), {"count": hits, "start": (NOW - timedelta(days=30)).date().isoformat(),
                                            "show_id": show_id, "first_episode": first})
        db.session.execute(text(ROLL_SQL))
        db.session.commit()
        return time.perf_counter() - started


def dashboard(app, show_id: int, rounds: int) -> tuple[float, int]:
    """The dashboard's reads: per-day downloads of the last 30 days, top apps, totals per episode."""
    from sqlalchemy import func, select

    from podcaster.extensions import db
    from podcaster.models import DailyDownloads as D

    since = (NOW - timedelta(days=30)).date()
    best = float("inf")
    with app.app_context():
        rows = 0
        for _ in range(rounds):
            started = time.perf_counter()
            per_day = db.session.execute(select(D.day, func.sum(D.downloads)).where(D.show_id == show_id, D.day >= since)
                                         .group_by(D.day).order_by(D.day)).all()
            apps = db.session.execute(select(D.app, func.sum(D.downloads).label("n")).where(
                D.show_id == show_id, D.day >= since).group_by(D.app).order_by(func.sum(D.downloads).desc())
                .limit(10)).all()
            episodes = db.session.execute(select(D.episode_id, func.sum(D.downloads)).where(D.show_id == show_id)
                                          .group_by(D.episode_id)).all()
            best = min(best, time.perf_counter() - started)
            rows = len(per_day) + len(apps) + len(episodes)
        aggregate = db.session.scalar(select(func.count()).select_from(D))
    return best, aggregate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--hits", type=int, default=10_000_000)
    parser.add_argument("--small-hits", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as folder:
        root = Path(folder)
        if args.lines:  # --lines 0: the dashboard part only
            log = root / "media-access.log"
            write_log(log, args.lines)
            app, show_id = build_site(root, "ingest")
            plain, _fields = reference(log)
            plain = min(plain, reference(log)[0])
            took, report = ingest(app, log)
            print(f"ingest {args.lines} lines: {took:.2f} s ({args.lines / took:,.0f} lines/s); read+split "
                  f"{plain:.2f} s; ratio {took / plain:.1f}x; {report.added} hits, {report.ignored} probes/others")
            again, report = ingest(app, log)
            print(f"ingest again: {again:.2f} s, {report.added} added, {report.repeated} already ingested")
        sites = {}
        for name, hits in (("small", args.small_hits), ("large", args.hits)):
            site, site_show = build_site(root, name)
            filled = fill(site, site_show, hits)
            sites[name] = (site, site_show, hits)
            print(f"{hits:,} raw hits generated and aggregated in {filled:.1f} s")
        # Alternated, one round each at a time: the machine's load changes between seconds, not between two.
        results = {name: float("inf") for name in sites}
        for _ in range(args.rounds):
            for name, (site, site_show, _hits) in sites.items():
                best, aggregate = dashboard(site, site_show, 1)
                results[name] = min(results[name], best)
        for name, (site, site_show, hits) in sites.items():
            print(f"{hits:,} raw hits, {dashboard(site, site_show, 1)[1]} download_day rows: "
                  f"dashboard {results[name] * 1000:.2f} ms (best of {args.rounds})")
        print(f"dashboard ratio large/small: {results['large'] / results['small']:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
