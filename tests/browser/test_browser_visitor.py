"""A visitor's view in Chromium: bio, blog, books, videos and a phone-sized screen, on the demo content.

There is no internet here: YouTube thumbnails and embeds are answered with a network error by a route, so
the tests never wait on them. Those failed loads are the only console errors allowed; anything else (a
Content-Security-Policy violation above all) fails the test.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..helpers.live import open_tab, unexpected_errors

SMALL_PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def demo(live_site):
    """The live site with the demo content loaded (once per module: live_site is module-scoped)."""
    live_site.command("demo")
    return live_site


@pytest.fixture
def visitor(browser, demo):
    """A tab that records console errors with the URL they are about, and never reaches YouTube."""
    context, tab = open_tab(browser, demo)
    yield tab
    context.close()
    assert tab.elsewhere == [], f"the page asked for hosts other than 127.0.0.1 and YouTube's: {tab.elsewhere}"


def wait_until_shown(tab, image) -> None:
    """Wait until an <img> (lazy-loaded ones included) has decoded real pixels; fails on a broken image."""
    image.scroll_into_view_if_needed()
    tab.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle(),
                          timeout=5_000)


def test_about_page_shows_photo_bio_and_links(visitor):
    visitor.goto("/about")
    photo = visitor.get_by_role("img", name="Photo of Ada Quill")
    wait_until_shown(visitor, photo)
    expect(visitor.get_by_role("heading", level=1, name="Ada Quill")).to_be_visible()
    expect(visitor.get_by_text("quiet novels about loud families")).to_be_visible()
    for name in ("Newsletter", "Mastodon"):
        expect(visitor.get_by_role("link", name=name)).to_be_visible()
    expect(visitor.get_by_role("link", name="The Lantern Years", exact=True)).to_be_visible()
    assert unexpected_errors(visitor) == []


def test_blog_post_shows_the_author_box_and_its_books(visitor):
    visitor.goto("/blog")
    visitor.locator("article.post-summary h3 a").first.click()
    box = visitor.get_by_role("complementary", name="About the author")
    box.wait_for()
    expect(box.get_by_role("link", name="More about")).to_be_visible()
    wait_until_shown(visitor, box.locator("img"))
    books = visitor.locator("section.post-books")
    expect(books.get_by_role("heading", name="Books in this post")).to_be_visible()
    books.get_by_role("link").first.click()
    visitor.get_by_role("heading", name="Mentioned in").wait_for()
    assert unexpected_errors(visitor) == []


def test_books_page_shows_covers_and_a_book_its_buy_links(visitor):
    visitor.goto("/books")
    covers = visitor.locator("li.book-card img")
    assert covers.count() >= 3
    for index in range(covers.count()):
        wait_until_shown(visitor, covers.nth(index))
    visitor.get_by_role("link", name="Cover of The Lantern Years").click()
    visitor.get_by_role("heading", name="Where to buy").wait_for()
    buy = visitor.get_by_role("link", name="Wrenmouth Press")
    assert buy.get_attribute("href") == "https://wrenmouth-press.example/lantern-years"
    assert unexpected_errors(visitor) == []


def test_videos_show_thumbnails_and_play_here_inserts_a_privacy_enhanced_embed(visitor):
    visitor.goto("/videos")
    cards = visitor.locator("li.video-card")
    assert cards.count() >= 3
    first = cards.first
    thumbnail = first.locator("img")
    assert thumbnail.get_attribute("src").startswith("https://i.ytimg.com/vi/")
    assert first.locator("a.video-thumb").get_attribute("href").startswith("https://www.youtube.com/watch?v=")
    assert visitor.locator("iframe").count() == 0, "nothing is embedded before the visitor asks"
    first.get_by_role("button", name="Play here").click()
    frame = first.locator("iframe")
    frame.wait_for(state="attached")
    assert frame.get_attribute("src").startswith("https://www.youtube-nocookie.com/embed/")
    assert frame.get_attribute("title")
    assert first.get_by_role("button", name="Play here").count() == 0
    assert cards.nth(1).locator("iframe").count() == 0, "only the chosen video is embedded"
    assert unexpected_errors(visitor) == []


def test_phone_screen_has_no_horizontal_scroll(browser, demo):
    context, tab = open_tab(browser, demo, SMALL_PHONE, phone=True)
    try:
        for url in ("/", "/about", "/books", "/books/twenty-eight-doors", "/videos", "/blog",
                    "/blog/why-i-write-in-the-morning"):
            response = tab.goto(url)
            assert response.status == 200, url
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
        assert unexpected_errors(tab) == []
        assert tab.elsewhere == []
    finally:
        context.close()


def test_the_error_filter_still_reports_a_csp_violation(visitor):
    """The allowance for YouTube's failed loads must not hide a blocked script."""
    visitor.goto("/videos")
    with visitor.expect_console_message(lambda message: "Content Security Policy" in message.text):
        visitor.evaluate("() => { const s = document.createElement('script');"
                         " s.src = 'https://elsewhere.example/x.js'; document.body.append(s); }")
    assert any("Content Security Policy" in text for text, _ in unexpected_errors(visitor))


def test_a_request_for_another_host_is_caught(visitor):
    """The offline guard must notice a page that reaches past 127.0.0.1 (and stop it)."""
    from playwright.sync_api import Error

    with pytest.raises(Error, match="ERR_INTERNET_DISCONNECTED"):
        visitor.goto("https://tracker.example/pixel")
    assert visitor.elsewhere == ["https://tracker.example/pixel"]
    visitor.elsewhere.clear()
