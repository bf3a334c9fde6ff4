"""The studio in Chromium at 1280 and 390 px, on the demo content: the guided new show, an episode whose
audio is kept after a refused submit, the Markdown preview, admin lists that fit a phone, and an axe-core
audit of every admin page.

Screenshots of the new-show and new-episode forms are written to ``$PODCASTER_SCREENSHOTS`` when it is set
(never into the checkout).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ..helpers.a11y import assert_accessible
from ..helpers.images import image_bytes
from ..helpers.live import DESKTOP, PHONE, browser_login, open_tab, unexpected_errors
from ..helpers.media import DATA

ADMIN_LISTS = ("/admin/authors/", "/admin/books/", "/admin/shows/", "/admin/videos/", "/admin/posts/")


@pytest.fixture(scope="module")
def demo(live_site):
    """The live site with the demo content (live_site is module-scoped, so this runs once)."""
    live_site.command("demo")
    return live_site


def _studio(browser, site, viewport):
    context, tab = open_tab(browser, site, viewport, phone=viewport is PHONE, timeout_ms=20_000)
    browser_login(tab)
    return context, tab, tab.elsewhere


@pytest.fixture(params=[DESKTOP, PHONE], ids=["1280px", "390px"])
def studio(request, browser, demo):
    """A logged-in tab at desktop and at phone width."""
    context, tab, elsewhere = _studio(browser, demo, request.param)
    tab.width = request.param["width"]
    yield tab
    context.close()
    assert elsewhere == [], f"the page asked for hosts other than 127.0.0.1 and YouTube's: {elsewhere}"


def sideways_overflow(tab) -> int:
    """How far the page is wider than the layout viewport (a phone's visual viewport would zoom out to hide it)."""
    return tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def screenshot(tab, name: str) -> None:
    folder = os.environ.get("PODCASTER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}-{tab.width}.png"), full_page=True)


def test_new_show_is_refused_until_the_directories_would_accept_it(studio):
    tab = studio
    tab.goto("/admin/shows/new")
    expect(tab.get_by_role("heading", name="What Apple Podcasts and Spotify need")).to_be_visible()
    expect(tab.get_by_label("Title", exact=True)).to_have_attribute("required", "")
    # Feed technicalities wait under "Advanced", closed.
    expect(tab.get_by_label("New feed URL (only when the podcast moved elsewhere)")).to_be_hidden()
    title = f"Guided at {tab.width}"
    tab.get_by_label("Title", exact=True).fill(title)
    tab.get_by_label("Description (Markdown)").fill("A show *made* step by step.")
    tab.get_by_role("button", name="Save").click()
    expect(tab.get_by_text("Choose the show’s artwork: Apple Podcasts lists no show without it.")).to_be_visible()
    expect(tab.get_by_text("Enter the owner’s email: Apple Podcasts sends its verification there.")).to_be_visible()
    assert tab.get_by_label("Title", exact=True).input_value() == title
    assert tab.locator(".checklist li.missing").count() == 2
    assert sideways_overflow(tab) <= 0
    assert_accessible(tab)
    screenshot(tab, "new-show-refused")

    tab.get_by_label("Artwork", exact=True).set_input_files(
        {"name": "cover.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(1400)})
    tab.get_by_label("Owner email").fill("ada@example.com")
    tab.get_by_text("Advanced: feed settings").click()
    tab.get_by_label("Serial (oldest first)", exact=False).count()  # the select is reachable once opened
    expect(tab.get_by_label("Type")).to_be_visible()
    tab.get_by_role("button", name="Save").click()
    expect(tab.get_by_role("heading", name=f"Episodes of {title}")).to_be_visible()
    assert unexpected_errors(tab, allowed_statuses=(422,)) == []


def test_a_refused_episode_keeps_its_audio_and_the_notes_preview_is_sanitised(studio):
    tab = studio
    tab.goto("/admin/shows/")
    tab.get_by_role("link", name=re.compile(r"^\d+ episodes?$")).first.click()
    tab.get_by_role("link", name="New episode").click()
    tab.get_by_label("Show notes (Markdown)").fill("Hello *world* <script>alert(1)</script>")
    tab.get_by_role("button", name="Preview").click()
    preview = tab.locator("#notes-preview")
    expect(preview.locator("em")).to_have_text("world")
    assert preview.locator("script").count() == 0
    screenshot(tab, "new-episode")

    tab.get_by_label("Audio file").set_input_files(str(DATA / "cbr.mp3"))
    tab.get_by_role("button", name="Save").click()  # no title: refused
    expect(tab.get_by_text("cbr.mp3 is kept")).to_be_visible()
    expect(tab.locator(".has-error .error").first).to_contain_text("required")
    assert_accessible(tab)
    screenshot(tab, "new-episode-refused")

    title = f"Kept audio at {tab.width}"
    tab.get_by_label("Title", exact=True).fill(title)
    tab.get_by_role("button", name="Save").click()
    expect(tab.get_by_text(f"Saved “{title}”: MP3")).to_be_visible()
    assert unexpected_errors(tab, allowed_statuses=(400,)) == []


def test_post_form_keeps_the_address_and_excerpt_under_advanced_until_one_is_wrong(studio):
    tab = studio
    tab.goto("/admin/posts/new")
    expect(tab.get_by_label("Title", exact=True)).to_have_attribute("required", "")
    expect(tab.get_by_label("Slug")).to_be_hidden()
    expect(tab.get_by_label("Excerpt")).to_be_hidden()
    expect(tab.get_by_role("button", name="Preview")).to_be_visible()  # the Markdown preview of the text
    tab.get_by_text("Advanced: page address and excerpt").click()
    expect(tab.get_by_text("The address of the post: /blog/<slug>")).to_be_visible()
    tab.get_by_label("Title", exact=True).fill(f"Advanced at {tab.width}")
    tab.get_by_label("Slug").fill("Not a slug!")
    tab.get_by_role("button", name="Save").click()
    # The refused page opens the section by itself: the error is in sight.
    expect(tab.get_by_role("alert").filter(has_text="lowercase letters")).to_be_visible()
    expect(tab.get_by_label("Slug")).to_have_value("not a slug!")
    assert_accessible(tab, f"the refused post form at {tab.width} px")
    assert sideways_overflow(tab) <= 0
    screenshot(tab, "new-post-refused")
    assert unexpected_errors(tab, allowed_statuses=(400,)) == []


def test_row_editor_without_javascript_offers_a_blank_row_after_a_refused_submit(browser, demo):
    context, tab = open_tab(browser, demo, PHONE, phone=True, java_script_enabled=False)
    try:
        browser_login(tab)
        tab.goto("/admin/authors/new")
        links = tab.get_by_role("group", name="Other links")
        expect(links.get_by_role("button", name="Add a row")).to_have_count(0)  # admin.js did not run
        for number in (1, 2):  # the spare rows the page offers
            links.get_by_label(f"Label {number}", exact=True).fill(f"Link {number}")
            links.get_by_label(f"Address {number}", exact=True).fill(f"https://link{number}.example")
        tab.get_by_role("button", name="Save").click()  # no name: refused
        expect(tab.get_by_role("alert").first).to_be_visible()
        expect(links.get_by_label("Label 2", exact=True)).to_have_value("Link 2")
        expect(links.get_by_label("Label 3", exact=True)).to_have_value("")
        expect(links.get_by_label("Label 4", exact=True)).to_have_count(0)
        tab.get_by_label("Name", exact=True).fill("Without Script")
        links.get_by_label("Label 3", exact=True).fill("Link 3")
        links.get_by_label("Address 3", exact=True).fill("https://link3.example")
        tab.get_by_role("button", name="Save").click()
        tab.wait_for_url("**/admin/authors/")
        tab.get_by_role("link", name="Without Script").first.click()
        saved = tab.get_by_role("group", name="Other links")
        assert [saved.get_by_label(f"Label {n}", exact=True).input_value() for n in (1, 2, 3)] == \
            ["Link 1", "Link 2", "Link 3"]
        assert unexpected_errors(tab, allowed_statuses=(400,)) == []
    finally:
        context.close()
    assert tab.elsewhere == []


def _admin_pages(tab) -> list[str]:
    """Every admin page: the dashboard, the menu's areas, each list's "New" and first "Edit" pages."""
    tab.goto("/admin/")
    pages = ["/admin/"] + [urlsplit(href).path for href in
                           tab.locator("nav.admin-nav a").evaluate_all("links => links.map(a => a.href)")]
    tab.goto("/admin/shows/")
    tab.get_by_role("link", name=re.compile(r"^\d+ episodes?$")).first.click()
    lists = [*ADMIN_LISTS, urlsplit(tab.url).path]
    for listing in lists:
        tab.goto(listing)
        hrefs = tab.locator("main a.button, main td a").evaluate_all(
            "links => links.filter(a => a.classList.contains('button') || a.textContent.trim() === 'Edit')"
            ".slice(0, 2).map(a => a.href)")
        pages += [listing] + [urlsplit(href).path for href in hrefs]
    return list(dict.fromkeys(pages))


def test_every_admin_page_passes_an_accessibility_audit(browser, demo):
    context, tab, elsewhere = _studio(browser, demo, DESKTOP)
    try:
        pages = _admin_pages(tab)
        assert len(pages) >= 18, pages
        for url in pages:
            response = tab.goto(url)
            assert response.status == 200, url
            assert_accessible(tab)
        assert unexpected_errors(tab) == []
    finally:
        context.close()
    assert elsewhere == []


def test_admin_lists_and_forms_fit_a_phone(browser, demo):
    context, tab, elsewhere = _studio(browser, demo, PHONE)
    try:
        for url in _admin_pages(tab):
            tab.goto(url)
            assert sideways_overflow(tab) <= 0, f"{url} scrolls sideways by {sideways_overflow(tab)}px at 390 px"
        tab.goto("/admin/posts/")
        # Each row is a card whose cells say which column they are.
        expect(tab.locator("td[data-label=Actions]").first.get_by_role("link", name="Edit")).to_be_visible()
        assert unexpected_errors(tab) == []
    finally:
        context.close()
    assert elsewhere == []
