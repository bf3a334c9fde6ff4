"""The author's and the listener's whole path in Chromium against gunicorn.

Show with artwork (a bad image refused first), an episode uploaded with a
visible progress bar, published with one click, played by the public page's
audio element over byte ranges, listed in the feed; a scheduled episode stays
hidden until its time.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from ..helpers.images import image_bytes
from ..helpers.live import browser_login
from ..helpers.media import DATA

# Records every value the upload progress bar shows, in sessionStorage, so the
# record survives the navigation that follows a finished upload.
RECORD_PROGRESS = """
new MutationObserver(() => {
  const bar = document.querySelector('.upload-status progress');
  if (!bar) return;
  const seen = JSON.parse(sessionStorage.getItem('progress') || '[]');
  if (seen[seen.length - 1] !== bar.value) {
    seen.push(bar.value);
    sessionStorage.setItem('progress', JSON.stringify(seen));
  }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['value']});
"""


def open_new_episode_form(page, show_title: str, description: str) -> None:
    """Create a show through the guided form (artwork and owner email are required) and open its new-episode form."""
    page.goto("/admin/shows/new")
    page.get_by_label("Title", exact=True).fill(show_title)
    page.get_by_label("Description (Markdown)").fill(description)
    page.get_by_label("Artwork", exact=True).set_input_files(
        {"name": "cover.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(1400)})
    page.get_by_label("Author (as shown in podcast apps)").fill("Ada Quill")
    page.get_by_label("Owner email").fill("ada@example.com")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("link", name="New episode").click()


def _status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def test_show_episode_upload_publish_play_and_feed(page, live_site, tmp_path):
    good_cover, bad_cover = tmp_path / "cover.jpg", tmp_path / "small.jpg"
    good_cover.write_bytes(image_bytes(1400))
    bad_cover.write_bytes(image_bytes(600))
    page.add_init_script(RECORD_PROGRESS)
    browser_login(page)

    page.goto("/admin/shows/new")
    page.get_by_label("Title", exact=True).fill("Browser Show")
    page.get_by_label("Description (Markdown)").fill("Made *in a browser*.")
    page.get_by_label("Author (as shown in podcast apps)").fill("Ada Quill")
    page.get_by_label("Owner email").fill("ada@example.com")
    page.get_by_label("Apple Podcasts category").select_option("Religion & Spirituality > Religion")
    page.get_by_label("Artwork", exact=True).set_input_files(str(bad_cover))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("1400 to 3000 pixels").first).to_be_visible()
    assert page.get_by_label("Title", exact=True).input_value() == "Browser Show"  # nothing typed is lost
    # Chromium logs the refused form's 400 answer as a console error; that one was wanted.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    page.console_errors.clear()
    page.get_by_label("Artwork", exact=True).set_input_files(str(good_cover))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Episodes of Browser Show")).to_be_visible()  # Slow the upload down so the progress bar has something to show.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": 150_000})
    page.get_by_role("link", name="New episode").click()
    page.get_by_label("Title", exact=True).fill("Played in Chromium")
    page.get_by_label("Audio file").set_input_files(str(DATA / "chapters.mp3"))
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/episodes/*/edit", timeout=60_000)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    seen = json.loads(page.evaluate("sessionStorage.getItem('progress') || '[]'"))
    assert seen and seen[-1] == 100, seen
    assert any(0 < value < 100 for value in seen), f"the bar never showed progress in between: {seen}"
    expect(page.get_by_text("Saved “Played in Chromium”: MP3")).to_be_visible()
    expect(page.get_by_text("chapters found")).to_be_visible()
    assert page.locator(".audio-preview audio").count() == 1

    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("“Played in Chromium” is published.")).to_be_visible()
    ranges: list[int] = []
    page.on("response", lambda response: ranges.append(response.status) if "/media/audio/" in response.url else None)
    page.goto("/podcasts/browser-show/played-in-chromium")
    expect(page.get_by_role("heading", name="Played in Chromium")).to_be_visible()
    duration = page.evaluate("""() => new Promise((resolve, reject) => {
        const audio = document.querySelector('audio');
        if (audio.readyState >= 1) return resolve(audio.duration);
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
        audio.addEventListener('error', () => reject(new Error('audio error ' + audio.error.code)));
        audio.preload = 'metadata';
        audio.load();
    })""")
    assert abs(duration - 24.6) < 0.2
    assert 206 in ranges, ranges
    seek = page.locator("ol.chapters a.seek").nth(1)
    start = float(seek.get_attribute("data-seek"))
    assert start > 0
    seek.click()
    page.wait_for_function("document.getElementById('episode-player').currentTime > 0")
    position = page.evaluate("document.getElementById('episode-player').currentTime")
    assert abs(position - start) < 1.5, (position, start)

    feed = page.request.get("/podcasts/browser-show/feed.xml")
    assert feed.status == 200 and "<title>Played in Chromium</title>" in feed.text()
    assert page.console_errors == []


def test_scheduled_episode_appears_at_its_time(page, live_site):
    browser_login(page)
    open_new_episode_form(page, "Timed Show", "Timing.")
    # An hour ahead, so the episode is certainly still hidden when it is checked, however slow the upload.
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    page.get_by_label("Title", exact=True).fill("Later On")
    page.get_by_label("Audio file").set_input_files(str(DATA / "cbr.mp3"))
    page.get_by_label("Status", exact=True).select_option("scheduled")
    page.get_by_label("Publication time").fill(later.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/episodes/*/edit", timeout=30_000)
    expect(page.get_by_text("Scheduled", exact=True)).to_be_visible()
    edit_url = page.url
    episode_url = f"{live_site.url}/podcasts/timed-show/later-on"
    assert _status(episode_url) == 404
    assert "later-on" not in page.request.get("/sitemaps/podcasts/timed-show/episodes-1.xml").text()
    assert "Later On" not in page.request.get("/podcasts/timed-show/feed.xml").text()

    # Moved through the edit form to a few seconds ahead, it appears at that time and not before.
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    page.get_by_label("Publication time").fill(when.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved “Later On”.")).to_be_visible()
    assert page.url == edit_url
    deadline = time.monotonic() + 30
    while _status(episode_url) != 200:
        assert time.monotonic() < deadline, "the scheduled episode did not appear at its time"
        time.sleep(0.25)
    assert datetime.now(UTC) >= when
    assert "later-on" in page.request.get("/sitemaps/podcasts/timed-show/episodes-1.xml").text()
    assert "<title>Later On</title>" in page.request.get("/podcasts/timed-show/feed.xml").text()


def test_refused_upload_is_explained_in_place_and_keeps_the_typed_fields(page, live_site):
    browser_login(page)
    open_new_episode_form(page, "Refusals", "Bad files.")
    form_url = page.url
    page.get_by_label("Title", exact=True).fill("Wrong format")
    page.get_by_label("Show notes (Markdown)").fill("Notes I do not want to type twice.")
    page.get_by_label("Audio file").set_input_files(str(DATA / "tone.wav"))
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator(".has-error .error").first
    error.wait_for()
    assert "WAV" in error.inner_text()
    assert page.url == form_url  # no navigation: the verdict replaced the form in place
    assert page.get_by_label("Title", exact=True).input_value() == "Wrong format"
    assert page.get_by_label("Show notes (Markdown)").input_value() == "Notes I do not want to type twice."
    leftovers = [p for p in live_site.media_root.rglob("*") if p.is_file() and "refusals" in str(p)]
    assert leftovers == []
