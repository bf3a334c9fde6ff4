"""The Listeners pages in Chromium at 1280 and 390 px: the chart and its table found by role and name, a CSV
downloaded, the date-range picker used, axe-core, no console error, no sideways scroll on a phone.

Screenshots go to ``$PODCASTER_SCREENSHOTS`` when it is set (never into the checkout).
"""
from __future__ import annotations

import csv
import io
import os
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from podcaster import create_app
from podcaster.extensions import db
from podcaster.models import utcnow

from ..helpers.a11y import assert_accessible
from ..helpers.listeners import add_downloads, make_listened_show, spread_downloads
from ..helpers.live import browser_login

VIEWPORTS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})
APPS = ("Apple Podcasts", "Spotify", "Overcast", "Pocket Casts", "AntennaPod")


def _seed(site) -> tuple[int, int]:
    """A show with three episodes and 60 days of downloads in the live site's database."""
    app = create_app({"DATABASE_URL": site.env["PODCASTER_DATABASE_URL"], "MEDIA_ROOT": str(site.media_root),
                      "SECRET_KEY": "seed", "QUEUE_URL": "memory://", "SITE_URL": site.url})
    now = utcnow()
    # Rows end two days ago: the site's roll-up rewrites today's and yesterday's rows from its (absent) hits.
    end = now.date() - timedelta(days=2)
    newest = now - timedelta(days=5)  # every episode has had downloads, the newest for a few days
    show_id, episodes = make_listened_show(app, episodes=3, now=newest, days_apart=20, title="Heard in the Browser")
    released = {episode: (newest - timedelta(days=1 + (len(episodes) - n) * 20)).date()
                for n, episode in enumerate(episodes, start=1)}
    rows = [(episode, day, name, (index * 7 + index % 5) % 13 + 1)
            for index, (episode, day, name, _) in enumerate(spread_downloads(episodes, 60, APPS, 1, end=end))
            if day >= released[episode]]
    add_downloads(app, show_id, rows)
    with app.app_context():
        db.engine.dispose()
    return show_id, episodes[-1]


def _shot(tab, name: str, width: int) -> None:
    folder = os.environ.get("PODCASTER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)


def test_listeners_pages_at_desktop_and_phone_width(browser, live_site):
    show_id, episode_id = _seed(live_site)
    for viewport in VIEWPORTS:
        phone = viewport["width"] < 600
        context = browser.new_context(base_url=live_site.url, viewport=viewport, is_mobile=phone, has_touch=phone,
                                      accept_downloads=True)
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        errors = []
        tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        tab.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        browser_login(tab)

        expect(tab.get_by_role("img", name="Downloads per day, all shows, last 30 days")).to_be_visible()
        assert tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        _shot(tab, "dashboard", viewport["width"])
        tab.get_by_role("link", name="listeners", exact=True).click()  # the show card on the dashboard
        chart = tab.get_by_role("img", name="Downloads per day, Heard in the Browser")
        expect(chart).to_be_visible()
        chart_table = tab.get_by_role("table", name="Downloads per day, Heard in the Browser")
        expect(chart_table.get_by_role("row")).to_have_count(31)  # a heading row and 30 days
        expect(tab.get_by_role("img", name="Top apps")).to_be_visible()
        expect(tab.get_by_role("table", name="Downloads after release")).to_be_visible()
        assert tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        assert_accessible(tab, f"the show's statistics at {viewport['width']} px")
        _shot(tab, "listeners-show", viewport["width"])

        start = tab.get_by_label("From")
        start.fill((utcnow().date() - timedelta(days=59)).isoformat())
        tab.get_by_role("button", name="Show").click()
        expect(chart_table.get_by_role("row")).to_have_count(61)
        with tab.expect_download() as download:
            tab.get_by_role("link", name="Download downloads per episode as CSV").click()
        exported = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        assert exported[0] == ["Episode", "Downloads"] and len(exported) == 4
        assert download.value.suggested_filename.startswith("heard-show-episodes-")
        shown = tab.get_by_role("table", name="Downloads per episode").get_by_role("row")
        expect(shown).to_have_count(4)

        tab.get_by_role("link", name="Episode 1").click()
        expect(tab.get_by_role("heading", name="Episode 1: listeners")).to_be_visible()
        expect(tab.get_by_role("img", name="Downloads per day, Episode 1")).to_be_visible()
        expect(tab.get_by_role("table", name="Top apps").get_by_role("row")).to_have_count(len(APPS) + 1)
        assert tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        assert_accessible(tab, f"the episode's statistics at {viewport['width']} px")
        _shot(tab, "listeners-episode", viewport["width"])

        tab.goto(f"/admin/listeners/episodes/{episode_id}?start=2026-02-30")
        expect(tab.get_by_role("alert")).to_have_text("Not a valid date value.")  # beside the From field
        expect(tab.get_by_text("That range cannot be shown, so these are the last 30 days")).to_be_visible()
        if os.environ.get("PODCASTER_SCREENSHOTS"):
            tab.emulate_media(color_scheme="dark")
            tab.goto(f"/admin/listeners/shows/{show_id}")
            _shot(tab, "listeners-show-dark", viewport["width"])
        context.close()
        assert [e for e in errors if "status of 422" not in e] == []
