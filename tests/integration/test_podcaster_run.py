"""`podcaster run` as the README starts it: gunicorn serving pages, and the job worker it starts running jobs.

A regression guard for the bugs of consumer threads inside the gunicorn master, which forks the web workers:
every page once answered a RecursionError (SQLAlchemy's mappers caught half-configured), and a web worker
once failed to boot after waiting 60 s on the SQLite queue's lock records copied by the fork. No in-process
test can see either; the worker is now a process of its own, stopped with the site.
"""
from __future__ import annotations

import sqlite3
import time
import urllib.request
from pathlib import Path

import pytest

from ..helpers.live import LiveSite, make_show
from ..helpers.media import DATA

pytestmark = pytest.mark.integration

WAIT = 60


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as answer:
        answer.read()
        return answer.status


def _refresh_states(site: LiveSite) -> list[str]:
    with sqlite3.connect(site.folder / "site.sqlite") as database:
        return [state for (state,) in database.execute(
            "SELECT state FROM job_record WHERE name = 'refresh_feeds' ORDER BY id")]


def test_podcaster_run_serves_pages_and_its_worker_runs_the_jobs_and_stops_with_it(tmp_path):
    site = LiveSite(tmp_path, workers=1, run=True)
    try:
        site.start()
        make_show(site, "Run Show", "run-show")
        site.command("add-episode", "run-show", str(DATA / "cbr.mp3"), "--title", "Run episode", "--slug",
                     "run-episode", "--publish")
        # The episode's commit queued a feed refresh; only the worker `podcaster run` started can run it.
        deadline = time.monotonic() + WAIT
        while "done" not in _refresh_states(site) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "done" in _refresh_states(site), _refresh_states(site)
        assert "Run episode" in (site.folder / "feeds" / "podcasts" / "run-show" / "feed.xml").read_text()
        for path in ("/", "/podcasts/run-show/feed.xml", "/podcasts/run-show/run-episode"):
            assert _get(site.url + path) == 200, path
        worker = _worker_of(site.process.pid)
        assert worker is not None, "podcaster run started no job worker"
    finally:
        site.stop()
    deadline = time.monotonic() + WAIT
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{worker}").exists(), "the job worker outlived the site"


def _worker_of(master: int) -> int | None:
    """The pid of the `podcaster worker` child of a gunicorn master, from /proc."""
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        if b"worker" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0"):
            return int(child)
    return None
