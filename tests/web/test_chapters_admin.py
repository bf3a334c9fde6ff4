"""The admin chapter editor: rows saved as the JSON chapters file and the MP3's CHAP frames, or refused whole."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from mutagen.id3 import ID3

from ..helpers.media import media_contents
from ..helpers.podcasts import episode_data, only_episode, post_episode, upload
from ..helpers.web import page_text, post_form


def rows(*chapters: tuple[str, ...]) -> dict[str, str]:
    data = {}
    for index, values in enumerate(chapters):
        for name, value in zip(("start", "title", "url", "img"), values, strict=False):
            data[f"chapters-{index}-{name}"] = value
    return data


def test_episode_page_offers_the_editor_with_the_chapters_read_from_the_mp3(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("chapters.mp3")))
    episode = only_episode(app)
    html = page_text(client.get(f"/admin/episodes/{episode.id}/edit"))
    assert 'action="/admin/episodes/%d/chapters"' % episode.id in html
    assert '<label for="chapters-1-title">Title</label>' in html
    assert 'id="chapters-1-start" name="chapters-1-start" type="text" value="0:09.5"' in html
    assert 'name="chapters-4-title"' in html and 'name="chapters-5-title"' not in html  # two spare rows
    assert "Add chapter at current time" in html


def test_saved_rows_become_the_chapters_file_and_the_mp3s_chapter_marks(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("chapters.mp3")))
    before = only_episode(app)
    url = f"/admin/episodes/{before.id}/chapters"
    response = post_form(client, url, rows(("0:00", "Welcome"), ("", "", "", ""),
                                           ("0:05.5", "The news", "https://example.com/news"),
                                           ("0:20", "Goodbye", "", "https://example.com/bye.jpg")),
                         form_url=f"/admin/episodes/{before.id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/episodes/{before.id}/edit#chapters")
    episode = only_episode(app)
    expected = [{"startTime": 0, "title": "Welcome"},
                {"startTime": 5.5, "title": "The news", "url": "https://example.com/news"},
                {"startTime": 20, "title": "Goodbye", "img": "https://example.com/bye.jpg"}]
    assert episode.chapters == expected
    root = Path(app.config["MEDIA_ROOT"])
    document = json.loads((root / episode.chapters_file.path).read_bytes())
    assert document == {"version": "1.2.0", "chapters": expected}
    # The MP3 was retagged as a new file (the old one is gone), its row matching its bytes.
    assert episode.audio.path != before.audio.path and not (root / before.audio.path).exists()
    data = (root / episode.audio.path).read_bytes()
    assert (episode.audio.size, episode.audio.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    tags = ID3(root / episode.audio.path)
    marks = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    assert [(mark.start_time, str(mark.sub_frames["TIT2"])) for mark in marks] == [
        (0, "Welcome"), (5500, "The news"), (20000, "Goodbye")]
    assert str(tags["TIT2"]) == "First light"
    assert "Saved 3 chapters" in page_text(client.get(response.headers["Location"]))
    public = client.get(f"/podcasts/the-quiet-page/{episode.slug}/chapters.json")
    assert json.loads(public.data)["chapters"] == expected


def test_wrong_rows_answer_422_with_each_fault_and_write_nothing(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("chapters.mp3")))
    before = only_episode(app)
    files = media_contents(app)
    response = post_form(client, f"/admin/episodes/{before.id}/chapters",
                         rows(("0:10", "First"), ("0:05", "Out of order"), ("", "No start"), ("1:00", ""),
                              ("0:24", "Link", "javascript:alert(1)"), ("9:00", "After the end")),
                         form_url=f"/admin/episodes/{before.id}/edit")
    assert response.status_code == 422
    html = page_text(response)
    for message in ("Chapter 2 starts at 0:05, not after the chapter before it (0:10)",
                    "Chapter 3 needs a start time", "Chapter 4 needs a title.",
                    "Chapter 5: the link must be a web address starting with https://.",
                    "Chapter 6 starts at 9:00, after the audio ends (0:24.6"):
        assert message in html, message
    assert re.search(r'<input id="chapters-1-start" name="chapters-1-start" type="text" value="0:05"[^>]* '
                     r'aria-invalid="true" aria-describedby="chapters-1-start-error">', html)
    assert media_contents(app) == files
    after = only_episode(app)
    assert after.chapters == before.chapters and after.audio.path == before.audio.path


def test_removing_every_row_removes_the_chapters(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("chapters.mp3")))
    before = only_episode(app)
    response = post_form(client, f"/admin/episodes/{before.id}/chapters", rows(("", "")),
                         form_url=f"/admin/episodes/{before.id}/edit")
    assert response.status_code == 302
    episode = only_episode(app)
    assert episode.chapters == [] and episode.chapters_file is None
    assert ID3(Path(app.config["MEDIA_ROOT"]) / episode.audio.path).getall("CHAP") == []
