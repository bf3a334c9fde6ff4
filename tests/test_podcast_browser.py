"""In Chromium against gunicorn: create a show and an episode through the real forms, then play it."""
from __future__ import annotations

from .conftest import DATA, browser_login
from .podcast_helpers import artwork_bytes


def test_show_and_episode_from_the_forms_to_a_playable_page(page, tmp_path):
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(artwork_bytes(1400))
    errors: list[str] = []
    # The site has no favicon (not this feature's concern); any other failed load or script error counts.
    page.on("console", lambda message: errors.append(message.location.get("url", "") + " " + message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    browser_login(page)

    page.goto("/admin/shows/new")
    page.get_by_label("Title", exact=True).fill("Browser Show")
    page.get_by_label("Description (Markdown)").fill("Made *in a browser*.")
    page.get_by_label("Author (as shown in podcast apps)").fill("Ada Quill")
    page.get_by_label("Apple Podcasts category").select_option("Religion & Spirituality > Religion")
    page.get_by_label("Artwork", exact=True).set_input_files(str(cover))
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("heading", name="Episodes of Browser Show").is_visible()

    page.get_by_role("link", name="New episode").click()
    page.get_by_label("Title", exact=True).fill("Played in Chromium")
    page.get_by_label("Audio file").set_input_files(str(DATA / "vbr_xing.mp3"))
    page.get_by_label("Status", exact=True).select_option("published")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("link", name="Played in Chromium").is_visible()

    page.goto("/podcasts/browser-show/played-in-chromium")
    assert page.get_by_role("heading", name="Played in Chromium").is_visible()
    duration = page.evaluate("""() => new Promise((resolve, reject) => {
        const audio = document.querySelector('audio');
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
        audio.addEventListener('error', () => reject(new Error('audio error ' + audio.error.code)));
        audio.preload = 'metadata';
        audio.load();
    })""")
    assert abs(duration - 24.6) < 0.2
    page.goto("/podcasts/browser-show")
    assert page.get_by_role("link", name="Played in Chromium").is_visible()
    assert errors == []
