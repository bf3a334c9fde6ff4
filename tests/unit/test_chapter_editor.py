"""The chapter editor's rules (times, order, titles, links) and its ID3 CHAP writing, read back with mutagen."""
from __future__ import annotations

import hashlib
import shutil

import pytest
from mutagen.id3 import ID3

from podcaster.content.audio import probe, replace_chapter_frames
from podcaster.content.chapters import ChapterRowsError, chapters_from_rows, format_timestamp, parse_timestamp

from ..helpers.media import DATA


def row(start="", title="", url="", img="") -> dict[str, str]:
    return {"start": start, "title": title, "url": url, "img": img}


@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0), ("75", 75), ("1:15", 75), ("12:34", 754), ("1:02:03", 3723), ("12:34.5", 754.5), (" 0:09 ", 9),
])
def test_timestamps_an_author_types(text, seconds):
    assert parse_timestamp(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:60", "1:75:00", "-3", "1::2", "12:3:4:5"])
def test_what_is_not_a_time(text):
    with pytest.raises(ValueError):
        parse_timestamp(text)


def test_times_are_shown_back_as_typed():
    assert [format_timestamp(value) for value in (0, 9.5, 754, 3723)] == ["0:00", "0:09.5", "12:34", "1:02:03"]


def test_rows_become_chapters_in_order_with_links_and_images_and_blank_rows_skipped():
    chapters = chapters_from_rows([
        row("0:00", "Intro"), row(), row("9.5", "The tone", url="https://example.com/tone"),
        row("0:12.5", " Once more ", img="https://example.com/once.jpg"),
    ], duration=24.6)
    assert chapters == [
        {"startTime": 0, "title": "Intro"},
        {"startTime": 9.5, "title": "The tone", "url": "https://example.com/tone"},
        {"startTime": 12.5, "title": "Once more", "img": "https://example.com/once.jpg"},
    ]


def test_no_rows_means_no_chapters():
    assert chapters_from_rows([row(), row()], duration=24.6) == []


def test_every_fault_is_reported_with_its_row_and_field():
    with pytest.raises(ChapterRowsError) as caught:
        chapters_from_rows([
            row("0:10", "Late start"), row("0:05", "Before the previous one"), row("0:30", "After the end"),
            row("", "No time"), row("0:20", ""), row("0:21", "Link", url="javascript:alert(1)"),
            row("0:22", "Image", img="ftp://example.com/a.jpg"), row("soon", "Not a time"),
        ], duration=24.6)
    problems = caught.value.problems
    assert [(number, name) for number, name, _ in problems] == [
        (2, "start"), (3, "start"), (4, "start"), (5, "title"), (6, "url"), (7, "img"), (8, "start")]
    messages = dict(((number, name), message) for number, name, message in problems)
    assert "not after the chapter before it (0:10)" in messages[2, "start"]
    assert "after the audio ends (0:24.6)" in messages[3, "start"]
    assert messages[5, "title"] == "Chapter 5 needs a title."
    assert "https://" in messages[6, "url"]


def test_a_forbidden_character_in_a_title_is_refused():
    with pytest.raises(ChapterRowsError, match="Chapter 1"):
        chapters_from_rows([row("0", "Bell\x07")], duration=None)


def test_chap_frames_are_replaced_and_every_other_tag_is_kept(tmp_path):
    target = tmp_path / "episode.mp3"
    shutil.copy(DATA / "chapters.mp3", target)
    duration = probe(target).duration
    chapters = [{"startTime": 0, "title": "Opening"}, {"startTime": 5.25, "title": "Middle",
                                                       "url": "https://example.com/middle"},
                {"startTime": 20, "title": "Close"}]
    tagged = replace_chapter_frames(target, chapters, duration)

    assert tagged.size == target.stat().st_size
    assert tagged.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    tags = ID3(target)
    assert str(tags["TIT2"]) == "Chapter test"  # the file's own title is untouched
    (toc,) = tags.getall("CTOC")
    marks = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    assert toc.child_element_ids == [mark.element_id for mark in marks]
    assert [(mark.start_time, mark.end_time, str(mark.sub_frames["TIT2"])) for mark in marks] == [
        (0, 5250, "Opening"), (5250, 20000, "Middle"), (20000, round(duration * 1000), "Close")]
    assert marks[1].sub_frames.getall("WXXX")[0].url == "https://example.com/middle"
    assert [chapter["title"] for chapter in probe(target).chapters] == ["Opening", "Middle", "Close"]


def test_no_chapters_removes_every_chapter_mark(tmp_path):
    target = tmp_path / "episode.mp3"
    shutil.copy(DATA / "chapters.mp3", target)
    replace_chapter_frames(target, [], probe(target).duration)
    tags = ID3(target)
    assert tags.getall("CHAP") == [] and tags.getall("CTOC") == []
    assert str(tags["TIT2"]) == "Chapter test"
    assert probe(target).duration == pytest.approx(24.605941, rel=0.001)
