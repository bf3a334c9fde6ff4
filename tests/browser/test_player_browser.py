"""The episode player, transcript, share dialog, embed page and chapter editor in Chromium, by label and role.

One test per flow, at a desktop (1280 px) and a phone (390 px) width; each ends with an axe-core audit
(no serious or critical violation) and no console error.
"""
from __future__ import annotations

import contextlib
import http.server
import json
import re
import threading
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from mutagen.id3 import ID3
from playwright.sync_api import expect

from podcaster import create_app
from podcaster.content.audio import probe
from podcaster.content.chapters import chapters_from_id3
from podcaster.extensions import db
from podcaster.models import Episode, Show, utcnow

from ..helpers.feeds import make_show
from ..helpers.live import browser_login, free_port
from ..helpers.media import DATA, media_row, repeated_mp3

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG = "/podcasts/the-quiet-page/a-long-listen"
CUES = [(0, 10, "The first words."), (10, 40, "A second thought, at some length."),
        (40, 70, "The third cue, forty seconds in."), (70, 120, "The last cue of the transcript.")]
CHAPTERS = [{"startTime": 0, "title": "Opening"}, {"startTime": 10, "title": "Second"},
            {"startTime": 60, "title": "Third"}, {"startTime": 90, "title": "Fourth"}]


def _vtt(cues) -> str:
    stamp = lambda seconds: f"{seconds // 60:02d}:{seconds % 60:02d}.000"  # noqa: E731
    return "WEBVTT\n\n" + "".join(f"{stamp(a)} --> {stamp(b)}\n{text}\n\n" for a, b, text in cues)


@pytest.fixture(scope="module")
def site(live_site, tmp_path_factory):
    """The live site with a show, a two-minute episode with a transcript and chapters, and an MP3 with CHAP
    frames: written in this process (a ``podcaster`` command per item would cost seconds each)."""
    folder = tmp_path_factory.mktemp("player")
    app = create_app({"DATABASE_URL": live_site.env["PODCASTER_DATABASE_URL"], "SECRET_KEY": "live-test-secret",
                      "MEDIA_ROOT": str(live_site.media_root), "SITE_URL": live_site.url})
    show_id = make_show(app, episodes=1, slug="the-quiet-page")
    long_mp3 = repeated_mp3(folder / "long.mp3", 5)
    with app.app_context():
        show = db.session.get(Show, show_id)
        published = utcnow() - timedelta(hours=1)
        db.session.add(Episode(
            show=show, title="A long listen", slug="a-long-listen", guid="urn:test:long", status="published",
            publish_at=published, duration=probe(long_mp3).duration, chapters=CHAPTERS,
            audio=media_row(app, "audio/the-quiet-page/a-long-listen.mp3", source=long_mp3, kind="audio",
                            mime="audio/mpeg"),
            transcript=media_row(app, "transcripts/the-quiet-page/a-long-listen.vtt", _vtt(CUES).encode(),
                                 kind="transcript", mime="text/vtt"),
            chapters_file=media_row(app, "chapters/the-quiet-page/a-long-listen.json",
                                    json.dumps({"version": "1.2.0", "chapters": CHAPTERS}).encode(),
                                    kind="chapters", mime="application/json+chapters")))
        tagged = probe(DATA / "chapters.mp3")
        db.session.add(Episode(
            show=show, title="Marked up", slug="marked-up", guid="urn:test:marked", status="published",
            publish_at=published, duration=tagged.duration, chapters=chapters_from_id3(tagged.chapters),
            audio=media_row(app, "audio/the-quiet-page/marked-up.mp3", source=DATA / "chapters.mp3", kind="audio",
                            mime="audio/mpeg")))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    live_site.show_id = show_id
    return live_site


@contextlib.contextmanager
def other_site(html: str):
    """Serve one page from another origin (127.0.0.1, a free port) while the block runs; yield its URL."""
    body = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/article"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def audit(page) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    results = Axe().run(page)
    bad = [(item["id"], item["impact"], [node["target"] for node in item["nodes"]][:3])
           for item in results.response["violations"] if item["impact"] in ("serious", "critical")]
    assert bad == [], bad


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


def position(page, element_id: str = "episode-player") -> float:
    return page.evaluate(f"document.getElementById('{element_id}').currentTime")


def wait_position(page, seconds: float, element_id: str = "episode-player") -> None:
    """Wait until the audio is at ``seconds`` (or a little after it, when it plays on)."""
    # A function, not a string: the page's Content-Security-Policy forbids eval.
    page.wait_for_function("([id, seconds]) => { const a = document.getElementById(id);"
                           " return a.readyState >= 1 && a.currentTime > seconds - 0.6 && a.currentTime < seconds + 1.5; }",
                           arg=[element_id, seconds])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_player_skips_speed_keys_hash_links_and_remembered_position(page, site, viewport):
    page.set_viewport_size(viewport)
    page.goto(LONG)
    player = page.get_by_role("group", name="Player")
    expect(player.get_by_role("button", name="Play")).to_be_visible()
    expect(page.locator("audio#episode-player")).to_be_hidden()  # the enhanced player replaces the native one
    slider = player.get_by_role("slider", name="Position")
    expect(slider).to_have_attribute("aria-valuetext", "0:00 of 2:03")
    expect(player.locator(".player-mark")).to_have_count(3)  # chapters after the first start

    player.get_by_role("button", name="Forward 30 seconds").click()
    wait_position(page, 30)
    player.get_by_role("button", name="Back 15 seconds").click()
    wait_position(page, 15)
    expect(slider).to_have_attribute("aria-valuetext", "0:15 of 2:03")
    expect(player.get_by_text("Chapter 2 of 4: Second")).to_be_visible()
    expect(page.locator("ol.chapters > li.current")).to_have_text(re.compile("Second"))

    player.get_by_label("Speed").select_option("1.5")
    assert page.evaluate("document.getElementById('episode-player').playbackRate") == 1.5
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_position(page, 45)
    page.keyboard.press("ArrowLeft")
    wait_position(page, 30)
    page.keyboard.press("ArrowUp")
    assert player.get_by_label("Speed").input_value() == "1.75"
    page.keyboard.press(" ")
    expect(player.get_by_role("button", name="Pause")).to_be_visible()
    page.keyboard.press(" ")
    expect(player.get_by_role("button", name="Play")).to_be_visible()
    assert page.evaluate("document.getElementById('episode-player').paused")
    saved = page.evaluate("Number(localStorage.getItem('podcaster:position:the-quiet-page/a-long-listen'))")
    assert abs(saved - position(page)) < 1.5
    fits(page)
    audit(page)

    page.reload()  # the position was saved when the player paused
    wait_position(page, saved)
    expect(slider).to_have_attribute("aria-valuetext", f"0:{saved} of 2:03")

    page.goto(LONG + "#t=1:10")  # a link to a moment wins over the remembered position
    wait_position(page, 70)
    expect(player.get_by_text("Chapter 3 of 4: Third")).to_be_visible()
    assert page.console_errors == []


def test_transcript_follows_the_audio_and_seeks_on_click(page, site):
    page.set_viewport_size(DESKTOP)
    page.goto(LONG)
    page.get_by_text("Read the transcript").click()
    follow = page.get_by_label("Follow the audio")
    expect(follow).to_be_checked()
    page.get_by_text("The third cue, forty seconds in.").click()
    wait_position(page, 40)
    current = page.locator(".transcript .cue[aria-current='true']")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("The third cue")
    player = page.get_by_role("group", name="Player")
    player.get_by_role("button", name="Pause").click()
    paused_at = position(page)
    player.get_by_role("button", name="Forward 30 seconds").click()
    wait_position(page, paused_at + 30)
    expect(current).to_contain_text("The last cue of the transcript.")
    # The time link of a cue is a plain "#t=" link, for keyboards and for readers without JavaScript.
    page.get_by_role("link", name="Play from 0:10", exact=True).focus()
    page.keyboard.press("Enter")
    wait_position(page, 10)
    audit(page)
    assert page.console_errors == []


def test_share_dialog_copies_a_timed_link_and_the_embed_code_and_the_embed_plays_in_a_frame(page, site):
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page.goto(LONG + "#t=0:42")
    wait_position(page, 42)
    page.get_by_role("button", name="Share / embed").click()
    dialog = page.get_by_role("dialog", name="Share “A long listen”")
    expect(dialog).to_be_visible()
    link = dialog.get_by_label("Link", exact=True)
    expect(link).to_have_value(f"{site.url}{LONG}#t=0:42")
    expect(dialog.get_by_label("Start at 0:42")).to_be_checked()
    image = dialog.get_by_role("img", name="Sharing image of A long listen")
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.get_by_role("status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == f"{site.url}{LONG}#t=0:42"
    dialog.get_by_label("Start at 0:42").uncheck()
    expect(link).to_have_value(f"{site.url}{LONG}")
    dialog.get_by_role("button", name="Copy embed code").click()
    expect(dialog.get_by_role("status")).to_have_text("Embed code copied.")
    code = page.evaluate("navigator.clipboard.readText()")
    assert code.startswith(f'<iframe src="{site.url}/embed/the-quiet-page/a-long-listen" title="A long listen')
    fits(page)
    audit(page)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    page.evaluate("localStorage.clear()")  # the frame below is same-site (127.0.0.1): no remembered position

    # The copied code, pasted into a page of another site (another origin on this machine), plays there.
    with other_site(f"<!doctype html><html lang='en'><title>Elsewhere</title><body>{code}</body></html>") as url:
        page.goto(url)
        frame = page.frame_locator("iframe")
        frame_player = frame.get_by_role("group", name="Player")
        frame_player.get_by_role("button", name="Forward 30 seconds").click()
        expect(frame_player.get_by_role("slider", name="Position")).to_have_attribute(
            "aria-valuetext", re.compile(r"^0:(29|30|31) of 2:03$"))
    page.goto("/embed/the-quiet-page/a-long-listen")
    expect(page.get_by_role("heading", name="A long listen")).to_be_visible()
    fits(page)
    audit(page)
    assert page.console_errors == []


def test_chapter_editor_adds_at_the_preview_time_reorders_removes_and_saves(page, site):
    page.set_viewport_size(DESKTOP)
    browser_login(page)
    page.goto(f"/admin/shows/{site.show_id}/episodes/")
    page.get_by_role("link", name="Marked up").click()
    editor = page.get_by_role("region", name="Chapters")
    expect(editor.get_by_role("group", name="Chapter 3").get_by_label("Title")).to_have_value("Once more")
    page.evaluate("""() => new Promise((resolve) => {
        const audio = document.querySelector('[data-chapter-preview]');
        const seek = () => { audio.currentTime = 5; audio.addEventListener('seeked', resolve, {once: true}); };
        if (audio.readyState >= 1) seek(); else audio.addEventListener('loadedmetadata', seek, {once: true});
    })""")
    editor.get_by_role("button", name="Add chapter at current time").click()
    added = editor.get_by_role("group", name="Chapter 4")
    expect(added.get_by_label("Start")).to_have_value("0:05")
    expect(added.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Inserted")
    editor.get_by_role("button", name="Save chapters").click()

    # Out of order: refused with the reason, nothing saved; the rows come back as they were sent.
    expect(page.get_by_text("Chapter 4 starts at 0:05, not after the chapter before it (0:12.5)")).to_be_visible()
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"]
    page.console_errors.clear()
    editor = page.get_by_role("region", name="Chapters")
    editor.get_by_role("group", name="Chapter 4").get_by_role("button", name="Move up").click()
    editor.get_by_role("group", name="Chapter 3").get_by_role("button", name="Move up").click()
    expect(editor.get_by_role("group", name="Chapter 2").get_by_label("Title")).to_have_value("Inserted")
    expect(editor.get_by_role("status")).to_have_text("Chapter moved to position 2.")
    editor.get_by_role("group", name="Chapter 4").get_by_role("button", name="Remove").click()  # "Once more"
    tone = editor.get_by_role("group", name="Chapter 3")
    tone.get_by_label("Title").fill("The tone, again")
    tone.get_by_label("Link").fill("https://example.com/tone")
    page.set_viewport_size(PHONE)
    fits(page)
    audit(page)
    editor.get_by_role("button", name="Save chapters").click()
    expect(page.get_by_text("Saved 3 chapters of “Marked up” (the chapters file and the MP3).")).to_be_visible()

    expected = [{"startTime": 0, "title": "Introduction"}, {"startTime": 5, "title": "Inserted"},
                {"startTime": 9.5, "title": "The tone, again", "url": "https://example.com/tone"}]
    with urllib.request.urlopen(f"{site.url}/podcasts/the-quiet-page/marked-up/chapters.json", timeout=10) as answer:
        assert json.load(answer)["chapters"] == expected
    audio_path = page.locator("[data-chapter-preview]").get_attribute("src").removeprefix("/media/")
    tags = ID3(Path(site.media_root) / audio_path)
    marks = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    assert [(mark.start_time, str(mark.sub_frames["TIT2"])) for mark in marks] == [
        (0, "Introduction"), (5000, "Inserted"), (9500, "The tone, again")]
    assert page.console_errors == []
