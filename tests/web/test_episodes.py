"""Episode admin through the web form (real audio, every refusal leaving nothing behind) and public pages."""
from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from podcaster.extensions import db
from podcaster.models import Book, Episode, MediaFile

from ..helpers.images import image_bytes
from ..helpers.media import DATA, held_files, media_files
from ..helpers.podcasts import create_show, episode_data, only_episode, post_episode, upload
from ..helpers.web import PERSON_COLUMNS, post_form, row_fields

VTT = b"WEBVTT\n\n00:00.000 --> 00:02.500\nWelcome to the show.\n\n00:02.500 --> 00:05.000\n<v Ada>Thanks.\n"
SRT = b"1\n00:00:00,000 --> 00:00:02,500\nWelcome to the show.\n\n2\n00:00:02,500 --> 00:00:05,000\nThanks.\n"
CHAPTERS = json.dumps({"version": "1.2.0", "chapters": [
    {"startTime": 0, "title": "Hello"}, {"startTime": 10.5, "title": "Books", "url": "https://example.com/b"},
]}).encode()


@pytest.mark.parametrize("fixture, mime, ext", [("cbr.mp3", "audio/mpeg", "mp3"), ("aac.m4a", "audio/mp4", "m4a"),
                                                ("vbr_no_xing.mp3", "audio/mpeg", "mp3")])
def test_upload_creates_episode_from_real_audio(app, client, show, fixture, mime, ext):
    response = post_episode(client, show.id, episode_data(audio=upload(fixture, "My Recording.bin")))
    assert response.status_code == 302, response.get_data(as_text=True)
    episode = only_episode(app)
    assert episode.slug == "first-light"
    assert episode.audio.path == f"audio/{show.slug}/first-light.{ext}"
    assert episode.audio.mime_type == mime and episode.audio.kind == "audio"
    assert episode.duration == pytest.approx(24.6, abs=0.1)
    assert episode.bitrate and episode.bitrate > 16_000
    stored = app.config["MEDIA_ROOT"] + "/" + episode.audio.path
    with open(stored, "rb") as handle:
        data = handle.read()
    assert episode.audio.size == len(data)
    assert episode.audio.sha256 == hashlib.sha256(data).hexdigest()
    assert media_files(app) == [episode.audio.path]
    assert episode.status == "published" and episode.publish_at is not None


def test_mp3_is_tagged_and_stays_playable(app, client, show):
    response = post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"), chapters=(io.BytesIO(CHAPTERS),
                                                                                            "c.json")))
    assert response.status_code == 302
    episode = only_episode(app)
    path = app.config["MEDIA_ROOT"] + "/" + episode.audio.path
    tags = ID3(path)
    assert str(tags["TIT2"]) == "First light"
    assert str(tags["TALB"]) == show.title and str(tags["TPE1"]) == show.author_name
    assert [chap.sub_frames["TIT2"].text[0] for chap in sorted(tags.getall("CHAP"), key=lambda c: c.start_time)] \
        == ["Hello", "Books"]
    assert MP3(path).info.length == pytest.approx(24.6, abs=0.1)
    assert episode.audio.size == Path(path).stat().st_size
    assert episode.audio.size != (DATA / "cbr.mp3").stat().st_size


def test_untagged_when_the_show_says_so(app, client, show):
    from ..helpers.podcasts import show_data
    post_form(client, f"/admin/shows/{show.id}/edit", show_data(tag_mp3=""))
    post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")))
    episode = only_episode(app)
    assert episode.audio.size == (DATA / "cbr.mp3").stat().st_size


def test_id3_chapters_become_episode_chapters(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("chapters.mp3")))
    episode = only_episode(app)
    assert [c["title"] for c in episode.chapters] == ["Introduction", "The tone", "Once more"]
    assert episode.chapters[1]["startTime"] == 9.5 and episode.chapters[1]["url"]
    page = client.get(f"/podcasts/{show.slug}/first-light").get_data(as_text=True)
    assert "The tone" in page and "0:09" in page


@pytest.mark.parametrize("fixture, filename, status, message", [
    ("tone.wav", "tone.mp3", 415, "WAV"),
    ("not_audio.mp3", "episode.mp3", 415, "not audio"),
])
def test_refused_audio_leaves_nothing(app, client, show, fixture, filename, status, message):
    response = post_episode(client, show.id, episode_data(audio=upload(fixture, filename),
                                                          transcript=(io.BytesIO(VTT), "t.vtt")))
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Episode)).first() is None
        assert db.session.execute(db.select(MediaFile)).first() is None


def test_truncated_mp3_is_refused(app, client, show):
    head = (DATA / "cbr.mp3").read_bytes()[:10]
    response = post_episode(client, show.id, episode_data(audio=(io.BytesIO(head + b"\x00" * 50), "cut.mp3")))
    assert response.status_code == 400
    assert "No MP3 audio could be read from this file." in response.get_data(as_text=True)
    assert media_files(app) == []


def test_new_episode_needs_audio_and_csrf(app, client, show):
    response = post_episode(client, show.id, episode_data())
    assert response.status_code == 400 and "Choose the episode" in response.get_data(as_text=True)
    response = client.post(f"/admin/shows/{show.id}/episodes/new",
                           data=episode_data(audio=upload("cbr.mp3")), content_type="multipart/form-data")
    assert response.status_code == 400
    assert media_files(app) == []


def test_oversize_audio_is_refused_with_413(app, client, show):
    app.config["MAX_UPLOAD_BYTES"] = 50_000
    response = post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")))
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)
    assert media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Episode)).first() is None


@pytest.mark.parametrize("field, data, message", [
    ("transcript", b"just some words", "SubRip"),
    ("transcript", b"\xff\xfe\x00bad", "UTF-8"),
    ("chapters", b"{not json", "not valid JSON"),
    ("chapters", b'{"chapters": [{"title": "x"}]}', "startTime"),
    ("artwork", image_bytes(800), "1400"),
])
def test_bad_side_files_refuse_the_whole_episode(app, client, show, field, data, message):
    response = post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"), **{field: (io.BytesIO(data),
                                                                                               "side.bin")}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    # Only the audio is kept, held for the next submit (see test_studio); nothing is stored.
    assert media_files(app) == [] and len(held_files(app)) == 1
    assert "cbr.mp3</strong> is kept" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(MediaFile)).first() is None


def test_transcript_chapters_artwork_and_books(app, client, show):
    with app.app_context():
        db.session.add(Book(title="Quiet Rooms", slug="quiet-rooms"))
        db.session.commit()
        book_id = db.session.execute(db.select(Book.id)).scalar_one()
    data = episode_data(audio=upload("cbr.mp3"), transcript=(io.BytesIO(SRT), "t.srt"),
                        chapters=(io.BytesIO(CHAPTERS), "c.json"),
                        artwork=(io.BytesIO(image_bytes()), "a.jpg"),
                        books=str(book_id), **row_fields("guests", [("Bo Reed", "guest", "https://bo.example.com")], PERSON_COLUMNS))
    assert post_episode(client, show.id, data).status_code == 302
    episode = only_episode(app)
    assert episode.transcript.mime_type == "application/x-subrip"
    assert episode.transcript.path.endswith(".srt")
    assert episode.chapters_file.mime_type == "application/json+chapters"
    stored = json.loads(Path(app.config["MEDIA_ROOT"], episode.chapters_file.path).read_bytes())
    assert stored["version"] == "1.2.0" and stored["chapters"][1]["title"] == "Books"
    assert [book.title for book in episode.books] == ["Quiet Rooms"]
    assert episode.persons == [{"name": "Bo Reed", "role": "guest", "href": "https://bo.example.com"}]
    assert episode.artwork is not None
    page = client.get(f"/podcasts/{show.slug}/first-light").get_data(as_text=True)
    for text in ("Welcome to the show.", "Quiet Rooms", "Bo Reed", "Books", "<em>light</em>",
                 f'src="/media/{episode.audio.path}"', 'preload="none"'):
        assert text in page


def test_vtt_transcript_is_text_vtt(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"), transcript=(io.BytesIO(VTT), "t.txt")))
    episode = only_episode(app)
    assert episode.transcript.mime_type == "text/vtt" and episode.transcript.path.endswith(".vtt")


def test_edit_without_reupload_keeps_audio_and_guid(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")))
    before = only_episode(app)
    url = f"/admin/episodes/{before.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="First light"' in page
    response = post_episode(client, show.id, episode_data(title="Renamed", slug="renamed", season="2"), url=url)
    assert response.status_code == 302
    after = only_episode(app)
    assert (after.title, after.slug, after.season) == ("Renamed", "renamed", 2)
    assert after.guid == before.guid
    assert after.audio.path == before.audio.path and after.audio.sha256 == before.audio.sha256


def test_replacing_audio_removes_the_old_file_and_keeps_guid(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")))
    before = only_episode(app)
    url = f"/admin/episodes/{before.id}/edit"
    response = post_episode(client, show.id, episode_data(audio=upload("aac.m4a")), url=url)
    assert response.status_code == 302
    after = only_episode(app)
    assert after.guid == before.guid
    assert after.audio.path.endswith(".m4a") and after.audio.mime_type == "audio/mp4"
    assert media_files(app) == [after.audio.path]
    # A refused replacement keeps the current file and row.
    response = post_episode(client, show.id, episode_data(audio=upload("tone.wav")), url=url)
    assert response.status_code == 415
    assert only_episode(app).audio.path == after.audio.path
    assert media_files(app) == [after.audio.path]


def test_slug_is_unique_per_show(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")))
    assert post_episode(client, show.id, episode_data(number="2", audio=upload("cbr.mp3"))).status_code == 302
    with app.app_context():
        slugs = sorted(db.session.execute(db.select(Episode.slug)).scalars())
        paths = sorted(db.session.execute(db.select(MediaFile.path)).scalars())
    assert slugs == ["first-light", "first-light-2"]
    assert paths == [f"audio/{show.slug}/first-light-2.mp3", f"audio/{show.slug}/first-light.mp3"]
    response = post_episode(client, show.id, episode_data(slug="first-light", number="3",
                                                          audio=upload("cbr.mp3")))
    assert response.status_code == 400 and "already uses the slug" in response.get_data(as_text=True)
    assert len(media_files(app)) == 2
    other = create_show(app, client, title="Other show")
    assert post_episode(client, other.id, episode_data(audio=upload("cbr.mp3"))).status_code == 302


def test_delete_episode_removes_its_files(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"), transcript=(io.BytesIO(VTT), "t.vtt"),
                                               chapters=(io.BytesIO(CHAPTERS), "c.json")))
    episode = only_episode(app)
    assert len(media_files(app)) == 3
    response = post_form(client, f"/admin/episodes/{episode.id}/delete", {},
                         form_url=f"/admin/shows/{show.id}/episodes/")
    assert response.status_code == 302
    assert media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(MediaFile)).first() is None


def test_drafts_and_future_episodes_are_hidden_until_their_time(app, client, show):
    now = datetime(2030, 1, 1, 12, 0)
    app.config["CLOCK"] = lambda: now
    post_episode(client, show.id, episode_data(title="Draft one", status="draft", audio=upload("cbr.mp3")))
    post_episode(client, show.id, episode_data(title="Later one", status="scheduled", number="2",
                                               publish_at="2030-01-02T09:30", audio=upload("cbr.mp3")))
    post_episode(client, show.id, episode_data(title="Out now", number="3", audio=upload("cbr.mp3")))
    page = client.get(f"/podcasts/{show.slug}").get_data(as_text=True)
    assert "Out now" in page and "Later one" not in page and "Draft one" not in page
    assert client.get(f"/podcasts/{show.slug}/draft-one").status_code == 404
    assert client.get(f"/podcasts/{show.slug}/later-one").status_code == 404
    assert client.get(f"/podcasts/{show.slug}/out-now").status_code == 200
    listing = client.get(f"/admin/shows/{show.id}/episodes/").get_data(as_text=True)
    assert "scheduled" in listing and "draft" in listing
    now += timedelta(days=1)
    app.config["CLOCK"] = lambda: now
    assert client.get(f"/podcasts/{show.slug}/later-one").status_code == 200
    assert "Later one" in client.get(f"/podcasts/{show.slug}").get_data(as_text=True)
    assert client.get(f"/podcasts/{show.slug}/draft-one").status_code == 404
    with app.test_request_context("/"):
        from flask import render_template_string
        html = render_template_string('{% include "public/_latest_episodes.html" %}')
    assert "Later one" in html and "Draft one" not in html


def test_scheduled_without_time_is_refused(app, client, show):
    response = post_episode(client, show.id, episode_data(status="scheduled", audio=upload("cbr.mp3")))
    assert response.status_code == 400 and "needs a publication time" in response.get_data(as_text=True)
    assert media_files(app) == []


def test_episode_uploads_stream_into_the_incoming_folder(app, show):
    from podcaster.web.uploads import _STREAMS_ATTRIBUTE

    # Marked, not computed: where the files go needs no database lookup before the view runs.
    assert getattr(app.view_functions["admin.episode_new"], _STREAMS_ATTRIBUTE) is True
    assert getattr(app.view_functions["admin.episode_edit"], _STREAMS_ATTRIBUTE) is True


def test_a_file_already_at_the_name_is_never_overwritten(app, client, show):
    stray = Path(app.config["MEDIA_ROOT"], "audio", show.slug, "first-light.mp3")
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"someone else's file")
    assert post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"))).status_code == 302
    episode = only_episode(app)
    assert episode.audio.path.startswith(f"audio/{show.slug}/first-light-") and episode.audio.path.endswith(".mp3")
    assert stray.read_bytes() == b"someone else's file"


def test_show_artwork_becomes_the_mp3_cover(app, client, show):
    from ..helpers.podcasts import show_data

    data = show_data()
    data["artwork"] = (io.BytesIO(image_bytes(1600)), "cover.jpg")
    assert post_form(client, f"/admin/shows/{show.id}/edit", data, content_type="multipart/form-data",
                     form_url=f"/admin/shows/{show.id}/edit").status_code == 302
    assert client.get(f"/admin/shows/{show.id}/episodes/new").status_code == 200
    post_episode(client, show.id, episode_data(audio=upload("vbr_xing.mp3")))
    episode = only_episode(app)
    tags = ID3(Path(app.config["MEDIA_ROOT"], episode.audio.path))
    [cover] = tags.getall("APIC")
    assert cover.mime == "image/jpeg" and cover.data[:2] == b"\xff\xd8"
    assert str(tags["TDRC"]) == str(episode.publish_at.year)
    assert MP3(Path(app.config["MEDIA_ROOT"], episode.audio.path)).info.length == pytest.approx(24.6, abs=0.1)


def test_chapters_json_and_id3_chapters_are_checked():
    import json

    from podcaster.content.chapters import ChaptersError, chapters_from_id3, chapters_json, parse_chapters

    parsed = parse_chapters(json.dumps({"version": "1.2.0", "chapters": [
        {"startTime": 30.0, "title": " Second ", "url": "https://example.com"},
        {"startTime": 0, "title": "First", "toc": False},
    ]}).encode())
    assert parsed == [{"startTime": 0, "title": "First", "toc": False},
                      {"startTime": 30, "title": "Second", "url": "https://example.com"}]
    assert json.loads(chapters_json(parsed)) == {"version": "1.2.0", "chapters": parsed}
    for bad in (b"[]", b'{"chapters": []}', b'{"chapters": [{"startTime": -1, "title": "x"}]}',
                b'{"chapters": [{"startTime": 1, "title": "x", "url": "javascript:alert(1)"}]}',
                b'{"chapters": [{"startTime": true, "title": "x"}]}'):
        with pytest.raises(ChaptersError):
            parse_chapters(bad)
    assert chapters_from_id3([{"startTime": 5.25, "title": "", "url": "javascript:alert(1)"},
                              {"startTime": 0, "title": "Intro", "url": "https://ok.example"}]) == [
        {"startTime": 0, "title": "Intro", "url": "https://ok.example"}, {"startTime": 5.25, "title": "Chapter 2"}]


def test_transcripts_are_identified_by_content():
    from podcaster.content.transcripts import TranscriptError, check_transcript, transcript_lines

    vtt = "\ufeffWEBVTT\n\nNOTE a note\n\n00:01.000 --> 00:02.000\n<v Ada>Hello <b>there</b>\n".encode()
    assert (check_transcript(vtt).mime_type, check_transcript(vtt).extension) == ("text/vtt", "vtt")
    assert transcript_lines(vtt) == ["Hello there"]
    srt = b"1\r\n00:00:01,000 --> 00:00:02,000\r\nHi\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nBye\r\n"
    assert check_transcript(srt).mime_type == "application/x-subrip" and check_transcript(srt).cues == 2
    assert transcript_lines(srt) == ["Hi", "Bye"]
    for bad in (b"WEBVTT\n\nno cues here\n", b"<html>hello</html>", b"\x00\x01\x02", "caf\xe9".encode("latin-1")):
        with pytest.raises(TranscriptError):
            check_transcript(bad)


@pytest.mark.parametrize("number", ["0", "-3"])
def test_episode_number_below_one_is_refused(app, client, show, number):
    response = post_episode(client, show.id, episode_data(number=number, audio=upload("cbr.mp3")))
    assert response.status_code == 400
    assert "episode number must be 1 or more" in response.get_data(as_text=True)
    assert media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Episode)).first() is None


def test_season_and_number_are_unique_per_show(app, client, show):
    assert post_episode(client, show.id, episode_data(season="1", number="2",
                                                      audio=upload("cbr.mp3"))).status_code == 302
    assert post_episode(client, show.id, episode_data(title="No season", number="2",
                                                      audio=upload("cbr.mp3"))).status_code == 302
    clash = post_episode(client, show.id, episode_data(title="Clash", season="1", number="2",
                                                       audio=upload("cbr.mp3")))
    assert clash.status_code == 400
    assert "“First light” is already episode 2 of season 1" in clash.get_data(as_text=True)
    clash = post_episode(client, show.id, episode_data(title="Clash", number="2", audio=upload("cbr.mp3")))
    assert clash.status_code == 400
    assert "“No season” is already episode 2" in clash.get_data(as_text=True)
    with app.app_context():
        first = db.session.execute(db.select(Episode).filter_by(slug="first-light")).scalar_one()
        assert db.session.execute(db.select(db.func.count(Episode.id))).scalar() == 2
    assert len(media_files(app)) == 2
    # Saving an episode again keeps its own number; another season is another sequence.
    url = f"/admin/episodes/{first.id}/edit"
    assert post_episode(client, show.id, episode_data(title="Renamed", season="1", number="2"),
                        url=url).status_code == 302
    assert post_episode(client, show.id, episode_data(title="Clash", season="2", number="2",
                                                      audio=upload("cbr.mp3"))).status_code == 302
    other = create_show(app, client, title="Other show")
    assert post_episode(client, other.id, episode_data(season="1", number="2",
                                                       audio=upload("cbr.mp3"))).status_code == 302


def test_id3_chapters_reach_the_feed_as_a_json_chapters_document(app, client, show):
    from lxml import etree

    from ..helpers.feeds import NS

    post_episode(client, show.id, episode_data(audio=upload("chapters.mp3")))
    feed = etree.fromstring(client.get(f"/podcasts/{show.slug}/feed.xml").data)
    [link] = feed.xpath("/rss/channel/item/podcast:chapters", namespaces=NS)
    assert link.get("type") == "application/json+chapters"
    url = link.get("url")
    assert url == f"http://podcaster.test/podcasts/{show.slug}/first-light/chapters.json"
    url = url.removeprefix("http://podcaster.test")
    response = client.get(url, headers={"Origin": "https://app.example"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json+chapters")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.data)
    assert document["version"] == "1.2.0"
    assert [c["title"] for c in document["chapters"]] == ["Introduction", "The tone", "Once more"]
    assert document["chapters"][1]["startTime"] == 9.5 and document["chapters"][1]["url"].startswith("http")
    again = client.get(url, headers={"If-None-Match": "W/" + response.headers["ETag"]})
    assert again.status_code == 304
    # A draft's chapters are as private as the draft.
    episode = only_episode(app)
    post_episode(client, show.id, episode_data(status="draft"), url=f"/admin/episodes/{episode.id}/edit")
    assert client.get(url).status_code == 404
    assert client.get(f"/podcasts/{show.slug}/nope/chapters.json").status_code == 404


def test_chapters_from_id3_follow_the_audio_they_came_from(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("chapters.mp3")))
    episode = only_episode(app)
    assert len(episode.chapters) == 3
    url = f"/admin/episodes/{episode.id}/edit"
    assert post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")), url=url).status_code == 302
    assert only_episode(app).chapters == []  # the new recording has no chapter marks
    assert b"podcast:chapters" not in client.get(f"/podcasts/{show.slug}/feed.xml").data
    assert client.get(f"/podcasts/{show.slug}/first-light/chapters.json").status_code == 404
    # Uploaded chapters are the author's: new audio leaves them alone.
    post_episode(client, show.id, episode_data(chapters=(io.BytesIO(CHAPTERS), "c.json")), url=url)
    post_episode(client, show.id, episode_data(audio=upload("chapters.mp3")), url=url)
    assert [c["title"] for c in only_episode(app).chapters] == ["Hello", "Books"]


def test_a_tagged_upload_is_written_fsynced_and_hashed_once(app, client, show, monkeypatch):
    """The MP3 is tagged in the very file it was received into: no copy, one fsync, one hash of the file."""
    import hashlib as real_hashlib
    import os
    from types import SimpleNamespace

    from podcaster.content import audio, storage

    real_fsync = os.fsync
    fsynced: list[int] = []  # inode numbers

    def counting_fsync(fd):
        fsynced.append(os.fstat(fd).st_ino)
        return real_fsync(fd)

    hashed: list[int] = []  # bytes fed to each SHA-256 of a file (the upload's in-flight hash is not one)

    class CountingSha256:
        def __init__(self, data: bytes = b"") -> None:
            self._digest = real_hashlib.sha256(data)
            self._index = len(hashed)
            hashed.append(len(data))

        def update(self, data) -> None:
            hashed[self._index] += len(data)
            self._digest.update(data)

        def hexdigest(self) -> str:
            return self._digest.hexdigest()

    monkeypatch.setattr(os, "fsync", counting_fsync)
    for module in (audio, storage):
        monkeypatch.setattr(module, "hashlib", SimpleNamespace(sha256=CountingSha256))

    assert post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"))).status_code == 302
    episode = only_episode(app)
    stored = Path(app.config["MEDIA_ROOT"], episode.audio.path)
    content = stored.read_bytes()
    assert str(ID3(stored)["TIT2"]) == "First light"  # tagged (the show's default)
    assert episode.audio.sha256 == real_hashlib.sha256(content).hexdigest()
    assert episode.audio.size == len(content)
    assert fsynced == [stored.stat().st_ino]  # one fsync, of the file that was received and is now linked
    assert hashed == [len(content)]  # hashed once, after tagging
    assert not list(Path(app.config["MEDIA_ROOT"]).rglob(".upload-*"))
