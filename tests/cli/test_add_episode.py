"""``podcaster add-episode``: the upload pipeline from the command line, with real files."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from mutagen.id3 import ID3

from podcaster.extensions import db
from podcaster.models import Episode, MediaFile, Show

from ..helpers.media import DATA, media_files


@pytest.fixture
def show(app):
    with app.app_context():
        show = Show(title="The Quiet Page", slug="quiet", author_name="Ada Quill", description="Books.")
        db.session.add(show)
        db.session.commit()
        return show.id


def episodes(app) -> list[Episode]:
    with app.app_context():
        rows = db.session.execute(db.select(Episode).order_by(Episode.id)).scalars().all()
        for row in rows:
            _ = row.audio, row.transcript, row.chapters_file
        db.session.expunge_all()
        return rows


def test_adds_a_published_episode_with_notes(app, runner, show, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("Notes with **bold**.", encoding="utf-8")
    app.config["CLOCK"] = lambda: datetime(2030, 5, 1, 8, 0)
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "vbr_no_xing.mp3"), "--title", "Chapter one",
                                 "--notes-file", str(notes), "--publish", "--season", "1", "--number", "3"])
    assert result.exit_code == 0, result.output
    assert "Added “Chapter one”" in result.output
    [episode] = episodes(app)
    assert (episode.slug, episode.status, episode.publish_at) == ("chapter-one", "published",
                                                                 datetime(2030, 5, 1, 8, 0))
    assert episode.notes == "Notes with **bold**." and (episode.season, episode.number) == (1, 3)
    assert episode.duration == pytest.approx(24.63, abs=0.05)  # frames counted: no Xing header
    assert episode.audio.path == "audio/quiet/chapter-one.mp3"
    stored = app.config["MEDIA_ROOT"] + "/" + episode.audio.path
    assert str(ID3(stored)["TIT2"]) == "Chapter one"
    assert media_files(app) == ["audio/quiet/chapter-one.mp3"]
    assert (DATA / "vbr_no_xing.mp3").exists()  # the source is copied, not moved


def test_schedules_with_publish_at_and_keeps_drafts_by_default(app, runner, show, tmp_path):
    app.config["CLOCK"] = lambda: datetime(2030, 5, 1, 8, 0)
    chapters = tmp_path / "chapters.json"
    chapters.write_text(json.dumps({"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Start"}]}))
    transcript = tmp_path / "t.vtt"
    transcript.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "aac.m4a"), "--title", "Later",
                                 "--publish-at", "2030-06-01T09:30", "--chapters", str(chapters),
                                 "--transcript", str(transcript)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", "Later"])
    assert result.exit_code == 0, result.output
    later, draft = episodes(app)
    assert (later.status, later.publish_at) == ("scheduled", datetime(2030, 6, 1, 9, 30))
    assert later.audio.mime_type == "audio/mp4" and later.chapters == [{"startTime": 0, "title": "Start"}]
    assert later.transcript.mime_type == "text/vtt"
    assert (draft.status, draft.slug) == ("draft", "later-2")
    assert len(media_files(app)) == 4


@pytest.mark.parametrize("fixture, message", [("tone.wav", "WAV"), ("not_audio.mp3", "not audio")])
def test_refuses_bad_files_with_nonzero_exit_and_leaves_nothing(app, runner, show, fixture, message):
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / fixture), "--title", "Bad"])
    assert result.exit_code != 0
    assert message in result.output
    assert media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Episode)).first() is None
        assert db.session.execute(db.select(MediaFile)).first() is None


def test_refuses_unknown_show_bad_chapters_and_bad_time(app, runner, show, tmp_path):
    result = runner.invoke(args=["add-episode", "nope", str(DATA / "cbr.mp3"), "--title", "X"])
    assert result.exit_code != 0 and "No show with the slug 'nope'" in result.output and "quiet" in result.output
    bad = tmp_path / "c.json"
    bad.write_text("[1, 2]")
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", "X", "--chapters",
                                 str(bad)])
    assert result.exit_code != 0 and "chapters" in result.output
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", "X", "--publish-at",
                                 "tomorrow"])
    assert result.exit_code != 0 and "2026-05-01T09:00" in result.output
    assert media_files(app) == []


@pytest.mark.parametrize("option, value, message", [
    ("--number", "0", "The episode number must be 1 or more"),
    ("--number", "-1", "The episode number must be 1 or more"),
    ("--season", "0", "The season number must be 1 or more"),
])
def test_refuses_numbers_below_one_in_one_line(app, runner, show, option, value, message):
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", "X", option,
                                 value])
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert media_files(app) == []


def test_refuses_a_second_episode_with_the_same_season_and_number(app, runner, show):
    def add(title: str, *numbers: str):
        return runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", title, *numbers])

    assert add("One", "--season", "1", "--number", "1").exit_code == 0
    assert add("Loose", "--number", "1").exit_code == 0  # no season is a season of its own
    refusals = ((("--season", "1", "--number", "1"), "“One” is already episode 1 of season 1"),
                (("--number", "1"), "“Loose” is already episode 1 of this show"))
    for numbers, holder in refusals:
        result = add("Again", *numbers)
        assert result.exit_code == 1 and holder in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert len(episodes(app)) == 2 and len(media_files(app)) == 2


def test_adds_artwork_guests_books_and_summary_like_the_form(app, runner, show, tmp_path):
    from podcaster.models import Book

    from ..helpers.images import image_bytes

    with app.app_context():
        db.session.add_all([Book(title="Quiet Rooms", slug="quiet-rooms"), Book(title="Tides", slug="tides")])
        db.session.commit()
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(image_bytes(1400))
    result = runner.invoke(args=[
        "add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", "With guests", "--artwork", str(cover),
        "--guest", "Ben Page|guest|https://example.com/ben", "--guest", "Cy Reed|producer", "--guest", "Di",
        "--book", "tides", "--book", "quiet-rooms", "--summary", "  Two guests, two books.  ",
    ])
    assert result.exit_code == 0, result.output
    with app.app_context():
        episode = db.session.execute(db.select(Episode)).scalar_one()
        assert episode.persons == [{"name": "Ben Page", "role": "guest", "href": "https://example.com/ben"},
                                   {"name": "Cy Reed", "role": "producer"}, {"name": "Di", "role": "guest"}]
        assert sorted(book.slug for book in episode.books) == ["quiet-rooms", "tides"]
        assert episode.summary == "Two guests, two books."
        artwork = episode.artwork
        assert artwork.original_name == "cover.jpg" and {v.variant for v in artwork.variants} == {"feed", "thumb"}
        feed_cover = app.config["MEDIA_ROOT"] + "/" + artwork.variant_or_self("feed").path
        stored = app.config["MEDIA_ROOT"] + "/" + episode.audio.path
        with open(feed_cover, "rb") as handle:
            assert ID3(stored).getall("APIC")[0].data == handle.read()  # the episode's own cover is embedded
    assert len(media_files(app)) == 4  # audio, artwork and its two variants


@pytest.mark.parametrize("extra, message", [
    (["--guest", "Ben|astronaut"], "--guest: Line 1: “astronaut” is not a known person role"),
    (["--guest", "Ben|guest|javascript:alert(1)"], "--guest: Line 1:"),
    (["--book", "no-such-book"], "No book with the slug 'no-such-book'"),
    (["--artwork", str(DATA / "cbr.mp3")], "cbr.mp3: "),
])
def test_refuses_a_bad_guest_book_or_artwork_in_one_line(app, runner, show, extra, message):
    result = runner.invoke(args=["add-episode", "quiet", str(DATA / "cbr.mp3"), "--title", "X", *extra])
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Episode)).first() is None
