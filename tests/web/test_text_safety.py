"""Text that reaches feeds and pages, and what one request may cost (issue 10).

Forms and commands refuse characters XML forbids; a feed that cannot be rebuilt
serves its last good copy (or 503); plain-text feed fields hold no markup; absolute
URLs never come from the Host header; markdown is rendered once per content and
costs a bounded time; chapters JSON has depth and size limits.
"""
from __future__ import annotations

import json
import time

import pytest

from podcaster.content import text as text_rules
from podcaster.content.chapters import ChaptersError, parse_chapters
from podcaster.content.markup import plain_text, render_markdown
from podcaster.extensions import db
from podcaster.models import Author, Book, Episode, FeedCache, Post, Show, Video

from ..helpers.authoring import author_data, book_data, post_data, video_data
from ..helpers.feeds import NOW, NS, make_posts, make_show, parse, set_clock
from ..helpers.media import DATA
from ..helpers.podcasts import create_show, episode_data, show_data
from ..helpers.rows import count
from ..helpers.web import post_form

VT = "\x0b"
FEED = "/podcasts/quiet-page/feed.xml"


# --- the rule itself -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff", "\ud800"])
def test_every_character_xml_forbids_is_found(char):
    assert text_rules.forbidden_characters(f"a{char}b") == [char]
    assert text_rules.strip_forbidden(f"a{char}b") == "ab"
    with pytest.raises(text_rules.ForbiddenCharacterError, match="Title contains"):
        text_rules.check_text(f"a{char}b", "Title")


def test_tab_newline_and_ordinary_unicode_are_fine():
    assert text_rules.forbidden_characters("a\tb\nc\r\n é — 🎧 \u0085") == []


# --- every admin form ------------------------------------------------------------------------------------------

def _bad(field: str) -> dict:
    """``field`` holding a vertical tab; "credits-0-name" style names fill a row editor's first row."""
    return {field: f"Bad{VT}text"}


def _show_form(app, client, field):
    return "/admin/shows/new", show_data(**_bad(field)), Show


def _author_form(app, client, field):
    return "/admin/authors/new", author_data(**_bad(field)), Author


def _book_form(app, client, field):
    return "/admin/books/new", book_data(**{field: f"Bad{VT}text"}), Book


def _video_form(app, client, field):
    return "/admin/videos/new", video_data(**{field: f"Bad{VT}text"}), Video


def _post_form(app, client, field):
    return "/admin/posts/new", post_data(**{field: f"Bad{VT}text"}), Post


FORMS = [
    (_show_form, "title", "Title"), (_show_form, "subtitle", "Subtitle"),
    (_show_form, "description", "Description (Markdown)"), (_show_form, "copyright", "Copyright"),
    (_show_form, "credits-0-name", "Credits (authors on this site), row 1,"),
    (_author_form, "name", "Name"), (_author_form, "bio", "Full bio"), (_author_form, "links-1-label", "Other links, row 2,"),
    (_book_form, "title", "Title"), (_book_form, "description", "Description"),
    (_video_form, "title", "Title"), (_video_form, "description", "Description"),
    (_post_form, "title", "Title"), (_post_form, "body", "Text (Markdown)"), (_post_form, "excerpt", "Excerpt"),
    (_post_form, "tags", "Tags"),
]


@pytest.mark.parametrize("make, field, label", FORMS)
def test_every_form_refuses_a_control_character(app, client, auth, make, field, label):
    auth.login()
    url, data, model = make(app, client, field)
    response = post_form(client, url, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"{label} contains a character that cannot appear in a feed or a page: U+000B (vertical tab)" in page
    assert count(app, model) == 0


@pytest.mark.parametrize("field, label", [("title", "Title"), ("notes", "Show notes (Markdown)"),
                                          ("summary", "Short summary (plain text)"),
                                          ("guests-0-name", "Guests and other people, row 1,")])
def test_episode_form_refuses_a_control_character(app, client, auth, field, label):
    auth.login()
    show = create_show(app, client)
    data = episode_data(**{field: "Bad\x08text"}, audio=((DATA / "cbr.mp3").open("rb"), "cbr.mp3"))
    response = post_form(client, f"/admin/shows/{show.id}/episodes/new", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert f"{label} contains a character that cannot appear in a feed or a page: U+0008 (backspace)" \
        in response.get_data(as_text=True)
    assert count(app, Episode) == 0


def test_text_fields_are_capped_with_a_clear_message(app, client, auth):
    auth.login()
    response = post_form(client, "/admin/posts/new", post_data(body="word " * 20_001))
    assert response.status_code == 400
    assert f"At most {text_rules.LONG_TEXT_MAX} characters, please (this has 100005)." \
        in response.get_data(as_text=True)
    # A row editor's inputs have a limit too.
    response = post_form(client, "/admin/shows/new",
                         show_data(**{"funding-0-label": "x" * (text_rules.TITLE_MAX + 1), "funding-0-url": ""}))
    assert response.status_code == 400
    assert f"Row 1 of Funding links: at most {text_rules.TITLE_MAX} characters, please (this has 301)." \
        in response.get_data(as_text=True)
    assert count(app, Post) == 0 and count(app, Show) == 0


# --- the add-episode command -----------------------------------------------------------------------------------

@pytest.fixture
def cli_show(app):
    with app.app_context():
        db.session.add(Show(title="The Quiet Page", slug="quiet", author_name="Ada Quill", description="Books."))
        db.session.commit()


def test_add_episode_refuses_a_control_character(app, runner, cli_show, tmp_path):
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", f"Bad{VT}title"])
    assert result.exit_code == 1
    assert "--title contains a character that cannot appear in a feed or a page: U+000B" in result.output
    assert "Traceback" not in result.output
    notes = tmp_path / "notes.md"
    notes.write_text("Fine\x08notes", encoding="utf-8")
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", "Fine",
                                 "--notes-file", str(notes)])
    assert result.exit_code == 1
    assert "--notes-file contains a character that cannot appear in a feed or a page: U+0008" in result.output
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", "x" * 301])
    assert result.exit_code == 1 and "--title: at most 300 characters" in result.output
    assert count(app, Episode) == 0


# --- a feed that cannot be rebuilt -----------------------------------------------------------------------------

def _break_episode(app, title: str = f"Broken{VT}title") -> None:
    """An old row holding a control character, written past the forms (as an old import could have)."""
    with app.app_context():
        episode = db.session.execute(db.select(Episode).filter_by(slug="episode-2")).scalar_one()
        episode.title = title
        db.session.commit()


def test_a_broken_feed_serves_its_last_good_copy(app, client, auth):
    set_clock(app, NOW)
    make_show(app)
    good = client.get(FEED)
    assert good.status_code == 200
    _break_episode(app)
    served = client.get(FEED)
    assert served.status_code == 200
    assert served.data == good.data and served.headers["ETag"] == good.headers["ETag"]
    assert client.get(FEED, headers={"If-None-Match": good.headers["ETag"]}).status_code == 304
    with app.app_context():
        row = db.session.execute(db.select(FeedCache).filter(FeedCache.show_id.is_not(None))).scalar_one()
        assert row.build_error and "(episode-2): title contains" in row.build_error and "U+000B" in row.build_error
        show_id = row.show_id
    auth.login()
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    page = dashboard.get_data(as_text=True)
    assert "could not be rebuilt" in page and "U+000B (vertical tab)" in page
    assert client.get("/admin/feed-doctor").status_code == 200
    doctor = client.get(f"/admin/feed-doctor/{show_id}")
    assert doctor.status_code == 200 and "could not be rebuilt" in doctor.get_data(as_text=True)
    # Fixing the row lets the next request rebuild at once, and the report goes away.
    _break_episode(app, "Mended")
    mended = client.get(FEED)
    assert mended.status_code == 200 and b"Mended" in mended.data
    assert "could not be rebuilt" not in client.get("/admin/").get_data(as_text=True)


def test_a_feed_never_built_answers_503_and_check_feed_says_why(app, client, runner):
    set_clock(app, NOW)
    make_show(app)
    _break_episode(app)
    response = client.get(FEED)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert b"Traceback" not in response.data
    result = runner.invoke(args=["check-feed", "quiet-page"])
    assert result.exit_code == 1
    assert "could not be rebuilt" in result.output and "U+000B" in result.output
    assert "Traceback" not in result.output


def test_the_blog_feed_falls_back_too(app, client, auth):
    set_clock(app, NOW)
    make_posts(app)
    good = client.get("/blog/feed.xml")
    assert good.status_code == 200
    with app.app_context():
        db.session.execute(db.select(Post).filter_by(slug="post-1")).scalar_one().title = f"Bad{VT}"
        db.session.commit()
    served = client.get("/blog/feed.xml")
    assert served.status_code == 200 and served.data == good.data
    auth.login()
    assert "could not be rebuilt" in client.get("/admin/").get_data(as_text=True)
    with app.app_context():
        db.session.execute(db.delete(FeedCache))
        db.session.commit()
    response = client.get("/blog/feed.xml")
    assert response.status_code == 503 and "Retry-After" in response.headers


# --- plain-text feed fields ------------------------------------------------------------------------------------

def test_plain_text_holds_no_markup_and_keeps_line_breaks():
    assert "<" not in plain_text("Hello &lt;img src=x onerror=alert(1)&gt; there")
    assert "<" not in plain_text("`<script>alert(1)</script>`")
    assert plain_text("## Where the book started\n\n- Why the family is loud\n- What comes next\n\nThe end.") \
        == "Where the book started\nWhy the family is loud\nWhat comes next\nThe end."
    assert plain_text("Tom &amp; Jerry, 3 < 4") == "Tom & Jerry, 3 < 4"


def test_plain_text_feed_fields_carry_no_markup(app, client):
    set_clock(app, NOW)
    make_show(app, subtitle="Books <b onmouseover=alert(1)>slowly</b>",
              description="# Heading\n\n&lt;img src=x onerror=alert(1)&gt;\n\n- one\n- two")
    with app.app_context():
        episodes = db.session.execute(db.select(Episode).order_by(Episode.id)).scalars().all()
        episodes[0].summary = "Summary <img src=x onerror=alert(1)> here"
        episodes[1].notes = "## Where the book started\n\n- Why the family is loud\n- &lt;svg onload=alert(1)&gt;"
        db.session.commit()
    feed = parse(client.get(FEED).data)
    fields = (feed.xpath("//channel/description/text() | //item/description/text()")
              + feed.xpath("//itunes:summary/text() | //itunes:subtitle/text()", namespaces=NS))
    assert fields
    for value in fields:
        assert "<" not in value, value
    channel = feed.xpath("string(/rss/channel/description)")
    assert channel.startswith("Heading\n") and channel.endswith("one\ntwo")
    descriptions = feed.xpath("//item/description/text()")
    assert "Where the book started\nWhy the family is loud\n" in "\n".join(descriptions)


# --- absolute URLs ---------------------------------------------------------------------------------------------

def test_no_page_takes_its_absolute_urls_from_the_host_header(app, client):
    set_clock(app, NOW)
    make_show(app)
    make_posts(app)
    for url in ("/", "/podcasts/", "/podcasts/quiet-page", "/podcasts/quiet-page/episode-1", "/blog",
                "/blog/post-1", "/authors/ada-quill", "/sitemap.xml", "/robots.txt", "/login"):
        response = client.get(url, headers={"Host": "evil.example"}, follow_redirects=True)
        assert response.status_code == 200, url
        assert "evil.example" not in response.get_data(as_text=True), url
    page = client.get("/podcasts/quiet-page", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "http://podcaster.test/podcasts/quiet-page/feed.xml" in page


# --- the cost of markdown --------------------------------------------------------------------------------------

def _seconds(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def test_markdown_is_rendered_once_per_content():
    source = "Some *notes* with a [link](https://example.com).\n\n" * 1500
    first = _seconds(render_markdown, source)
    again = _seconds(render_markdown, source)
    assert again < first / 20
    assert render_markdown(source) == render_markdown(source + "")


def test_unclosed_image_brackets_cost_no_more_than_prose():
    size = 60_000
    prose = ("A sentence of ordinary prose, with *emphasis*. " * (size // 48))[:size]
    attack = ("![" * (size // 2))[:size]
    # Unique sources, so neither comes from the memo.
    baseline = _seconds(render_markdown, prose + "baseline")
    cost = _seconds(render_markdown, attack + "x")
    assert cost < 3 * baseline + 0.2, (cost, baseline)


def test_markdown_preview_is_bounded(app, client, auth):
    auth.login()
    small = post_form(client, "/admin/markdown-preview", {"text": "*hi*"}, form_url="/admin/posts/new")
    assert small.status_code == 200 and "<em>hi</em>" in small.get_data(as_text=True)
    big = post_form(client, "/admin/markdown-preview", {"text": "![" * (text_rules.LONG_TEXT_MAX // 2 + 1)},
                    form_url="/admin/posts/new")
    assert big.status_code == 413
    huge = post_form(client, "/admin/markdown-preview", {"text": "a" * 5_000_000}, form_url="/admin/posts/new")
    assert huge.status_code == 413


# --- chapters JSON ---------------------------------------------------------------------------------------------

def test_deeply_nested_chapters_json_is_refused():
    nested = b'{"chapters": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    with pytest.raises(ChaptersError, match="nested too deeply"):
        parse_chapters(nested)
    # Brackets inside strings are text, not nesting.
    fine = json.dumps({"chapters": [{"startTime": 0, "title": "[" * 500 + '"{'}]}).encode()
    assert parse_chapters(fine)[0]["title"].startswith("[[[")
    with pytest.raises(ChaptersError, match="Chapter 1: “title” contains a character"):
        parse_chapters(json.dumps({"chapters": [{"startTime": 0, "title": "Bad\u000b"}]}).encode())


def test_deeply_nested_chapters_upload_answers_400(app, client, auth):
    auth.login()
    show = create_show(app, client)
    nested = b'{"chapters": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    data = episode_data(audio=((DATA / "cbr.mp3").open("rb"), "cbr.mp3"),
                        chapters=(__import__("io").BytesIO(nested), "chapters.json"))
    response = post_form(client, f"/admin/shows/{show.id}/episodes/new", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "nested too deeply" in response.get_data(as_text=True)
    assert count(app, Episode) == 0
