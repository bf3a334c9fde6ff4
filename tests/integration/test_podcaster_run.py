"""`podcaster run` as the README starts it: gunicorn serving pages, and its master's job consumer running jobs.

A regression guard for the RecursionError every page once answered under `podcaster run` (gunicorn workers
forked from a master whose consumer had used the models), which no in-process test could see.
"""
from __future__ import annotations

import sqlite3
import time
import urllib.request

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


def test_podcaster_run_serves_pages_and_its_master_runs_the_jobs(tmp_path):
    site = LiveSite(tmp_path, workers=1, run=True)
    try:
        site.start()
        make_show(site, "Run Show", "run-show")
        site.command("add-episode", "run-show", str(DATA / "cbr.mp3"), "--title", "Run episode", "--slug",
                     "run-episode", "--publish")
        # The episode's commit queued a feed refresh; only the master's consumer can run it.
        deadline = time.monotonic() + WAIT
        while "done" not in _refresh_states(site) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "done" in _refresh_states(site), _refresh_states(site)
        assert "Run episode" in (site.folder / "feeds" / "podcasts" / "run-show" / "feed.xml").read_text()
        for path in ("/", "/podcasts/run-show/feed.xml", "/podcasts/run-show/run-episode"):
            assert _get(site.url + path) == 200, path
    finally:
        site.stop()
