"""The public theme in Chromium on the demo content: every public page passes axe at 1280 px and 390 px, the
books shelf fits a phone, video thumbnails that cannot load leave a placeholder, the feed address copies,
and the site settings page works by label.

There is no internet here: YouTube thumbnails are answered with a network error, the only console errors
allowed.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..helpers.a11y import assert_accessible
from ..helpers.live import DESKTOP, PHONE, browser_login, open_tab, unexpected_errors


@pytest.fixture(scope="module")
def demo(live_site):
    """The live site with the demo content (module-scoped, as live_site is)."""
    live_site.command("demo")
    return live_site


def assert_clean(tab, refused_form: str = "") -> None:
    """No console error but YouTube's refused loads (and the 400 of a form refused on purpose)."""
    allowed = (400,) if refused_form else ()
    assert unexpected_errors(tab, allowed_statuses=allowed, refused_path=refused_form) == []
    assert tab.elsewhere == []


def public_pages(tab) -> list[str]:
    """Every kind of public page of the demo site, found by following its links: home, books, show and
    episode first."""
    tab.goto("/podcasts/")
    show = tab.locator("main .card a").first.get_attribute("href")
    tab.goto(show)
    episode = tab.locator(".episode-card h3 a").first.get_attribute("href")
    tab.goto("/books")
    book = tab.locator(".book-card a").first.get_attribute("href")
    tab.goto("/blog")
    post = tab.locator(".post-summary h3 a").first.get_attribute("href")
    tag = tab.locator("a[rel=tag]").first.get_attribute("href") if tab.locator("a[rel=tag]").count() else None
    return [u for u in ["/", "/books", show, episode, "/about", book, "/podcasts/", "/videos", "/blog", post, tag] if u]


#: Pages audited on the phone too (the layouts that change most); every page is audited at 1280 px.
PHONE_AUDITED = 4


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_every_public_page_passes_axe(browser, demo, viewport):
    context, tab = open_tab(browser, demo, viewport)
    try:
        for index, url in enumerate(public_pages(tab)):
            tab.goto(url)
            if viewport is DESKTOP or index < PHONE_AUDITED:
                assert_accessible(tab, f"{url} at {viewport['width']} px")
            width = tab.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{url} overflows: {width} px"
        assert_clean(tab)
    finally:
        context.close()


def test_books_read_as_a_shelf_on_a_phone(browser, demo):
    context, tab = open_tab(browser, demo, PHONE)
    try:
        tab.goto("/books")
        covers = tab.get_by_role("img", name="Cover of")
        expect(covers.first).to_be_visible()
        boxes = [covers.nth(i).bounding_box() for i in range(covers.count())]
        assert boxes and all(box["height"] <= 260 for box in boxes), boxes
        bottom = [round(box["y"] + box["height"]) for box in boxes]
        assert bottom[0] == bottom[1] and boxes[0]["x"] < boxes[1]["x"]  # two to a row, standing on one shelf
        assert_clean(tab)
    finally:
        context.close()


def test_offline_video_thumbnails_show_a_placeholder_with_the_title(browser, demo):
    context, tab = open_tab(browser, demo, DESKTOP)
    try:
        tab.goto("/videos")
        card = tab.get_by_role("listitem").filter(has_text="Reading the first chapter").first
        thumb = card.locator(".video-thumb img")
        card.scroll_into_view_if_needed()
        tab.wait_for_function("(img) => img.complete", arg=thumb.element_handle())
        assert thumb.evaluate("(img) => img.naturalWidth") == 0  # the thumbnail could not load
        placeholder = card.locator(".video-placeholder")
        expect(placeholder).to_be_visible()
        expect(placeholder).to_contain_text("Reading the first chapter")
        box, image = placeholder.bounding_box(), thumb.bounding_box()
        assert box["height"] > 100 and abs(box["height"] - image["height"]) < 2  # it fills the thumbnail's box
        assert thumb.get_attribute("alt") == ""  # nothing to read out twice, no alt text drawn
        expect(thumb).to_be_hidden()  # videos.js hid the failed image: no broken-image icon
        assert_clean(tab)
    finally:
        context.close()


def test_the_feed_address_copies_and_the_rss_link_stays_a_link(browser, demo):
    context, tab = open_tab(browser, demo, PHONE, permissions=["clipboard-read", "clipboard-write"])
    try:
        tab.goto("/podcasts/")
        tab.locator("main .card a").first.click()
        feed = tab.get_by_role("link", name="RSS feed")
        assert feed.get_attribute("href").endswith("/feed.xml")
        tab.get_by_role("button", name="Copy the feed address").click()
        expect(tab.get_by_role("status").filter(has_text="Copied")).to_be_visible()
        assert tab.evaluate("navigator.clipboard.readText()") == feed.get_attribute("href")
        tab.get_by_text("Which app?").click()
        expect(tab.get_by_text("paste the feed address")).to_be_visible()
        # Deep links for Android only are hidden on this (desktop Linux) browser; the others stay.
        expect(tab.get_by_role("link", name="AntennaPod")).to_be_hidden()
        assert_clean(tab)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_site_settings_by_label(browser, demo, viewport):
    context, tab = open_tab(browser, demo, viewport)
    try:
        browser_login(tab)
        tab.get_by_role("navigation", name="Admin").get_by_role("link", name="Site settings").click()
        expect(tab.get_by_role("heading", name="Site settings")).to_be_visible()
        tab.get_by_label("Time zone").fill("Nowhere/Special")
        tab.get_by_role("button", name="Save settings").click()
        expect(tab.get_by_role("alert")).to_contain_text("is not a time zone name")
        title = f"Harbour Notes {viewport['width']}"
        tab.get_by_label("Site title").fill(title)
        tab.get_by_label("Tagline").fill("Stories and radio")
        tab.get_by_label("Time zone").fill("Europe/Lisbon")
        tab.get_by_label("Accent colour").fill("#1d4e89")
        tab.get_by_role("checkbox", name="Videos").uncheck()
        tab.get_by_role("button", name="Save settings").click()
        expect(tab.get_by_text("Saved the site settings.")).to_be_visible()
        assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        tab.goto("/")
        expect(tab).to_have_title(title)
        nav = tab.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Videos")).to_have_count(0)
        expect(nav.get_by_role("link", name="Books")).to_be_visible()
        colour = tab.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
        assert colour == "#1d4e89"
        tab.goto("/admin/site")
        tab.get_by_role("checkbox", name="Videos").check()
        tab.get_by_role("button", name="Save settings").click()
        expect(tab.get_by_text("Saved the site settings.")).to_be_visible()
        assert_clean(tab, refused_form="/admin/site")
    finally:
        context.close()
