"""Probing audio by content, exact MP3 durations, and ID3 tag writing, on real fixture files."""
from __future__ import annotations

import hashlib
import io
import os
import shutil

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from podcaster.content.audio import (
    AudioError,
    CorruptAudio,
    FrameCount,
    FrameCounter,
    StreamCount,
    UnsupportedAudio,
    _audio_start,
    count_mpeg_frames,
    probe,
    write_id3_tags,
)

from ..helpers.images import image_bytes
from ..helpers.media import DATA

# Decoded durations (ffmpeg sample counts / rate), printed by tests/data/make_fixtures.py.
DECODED = {
    "cbr.mp3": 24.605941,
    "vbr_xing.mp3": 24.605941,
    "vbr_no_xing.mp3": 24.633469,
    "vbr_no_xing_mpeg2.mp3": 24.659592,
    "aac.m4a": 24.613152,
    "chapters.mp3": 24.605941,
}


@pytest.mark.parametrize("name", sorted(DECODED))
def test_duration_within_a_tenth_of_a_percent_of_the_decoded_length(name):
    info = probe(DATA / name)
    assert abs(info.duration - DECODED[name]) / DECODED[name] <= 0.001


def test_vbr_without_xing_is_counted_where_mutagen_guesses_wrong():
    # The point of counting frames: mutagen's extrapolation is far off for this file.
    assert MP3(DATA / "vbr_no_xing.mp3").info.length < 0.5 * DECODED["vbr_no_xing.mp3"]
    count = count_mpeg_frames(DATA / "vbr_no_xing.mp3")
    assert count.sample_rate == 44100
    assert count.samples == count.frames * 1152
    mpeg2 = count_mpeg_frames(DATA / "vbr_no_xing_mpeg2.mp3")
    assert (mpeg2.sample_rate, mpeg2.samples) == (22050, mpeg2.frames * 576)


def fed_in_pieces(data: bytes, sizes=(1, 7, 4096, 65536, 1 << 20)):
    """``data`` cut into pieces of changing sizes, as an upload's blocks arrive."""
    position, index = 0, 0
    while position < len(data):
        size = sizes[index % len(sizes)]
        yield data[position:position + size]
        position, index = position + size, index + 1


@pytest.mark.parametrize("name", ["cbr.mp3", "vbr_xing.mp3", "vbr_no_xing.mp3", "vbr_no_xing_mpeg2.mp3",
                                  "chapters.mp3"])
def test_frames_counted_while_arriving_equal_the_walk_of_the_file(name, tmp_path):
    # Tagged at the front (ID3v2), a trailing ID3v1 tag whose bytes look like frame headers, and
    # garbage between frames: the count must not depend on how the bytes were cut.
    audio = (DATA / name).read_bytes()
    middle = len(audio) // 2
    data = audio[:middle] + b"\x00\xff\xfb" * 50 + audio[middle:] + b"TAG" + b"\xff\xfb\x90\x00" * 31 + b"!"
    path = tmp_path / name
    path.write_bytes(data)
    counter = FrameCounter()
    for piece in fed_in_pieces(data):
        counter.feed(piece)
    counted = counter.finish(path)
    start = _audio_start(path)
    assert counted is not None and counted.start == start
    assert counted.count == count_mpeg_frames(path, start)


@pytest.mark.parametrize("name", ["aac.m4a", "tone.wav", "not_audio.mp3"])
def test_frame_counter_gives_up_on_other_files(name):
    counter = FrameCounter()
    for piece in fed_in_pieces((DATA / name).read_bytes()):
        counter.feed(piece)
    assert counter.finish(DATA / name) is None


def test_probe_uses_frames_counted_on_arrival_only_when_they_match_the_file():
    path = DATA / "vbr_no_xing.mp3"
    walked = probe(path)
    start, size = _audio_start(path), path.stat().st_size
    real = count_mpeg_frames(path, start)
    doubled = FrameCount(real.frames * 2, real.samples * 2, real.sample_rate, real.audio_bytes * 2)
    assert probe(path, frames=StreamCount(start, size, doubled)).duration == pytest.approx(2 * walked.duration)
    # A count made for other bytes (another size) is not trusted: the file is walked.
    assert probe(path, frames=StreamCount(start, size + 1, doubled)).duration == walked.duration


def test_formats_and_bitrates():
    mp3 = probe(DATA / "cbr.mp3")
    assert (mp3.mime_type, mp3.extension, mp3.bitrate) == ("audio/mpeg", "mp3", 64000)
    m4a = probe(DATA / "aac.m4a")
    assert (m4a.mime_type, m4a.extension) == ("audio/mp4", "m4a")
    assert 40000 < m4a.bitrate < 60000
    vbr = probe(DATA / "vbr_no_xing.mp3")
    size = (DATA / "vbr_no_xing.mp3").stat().st_size
    assert vbr.bitrate == pytest.approx(size * 8 / vbr.duration, rel=0.01)


def test_id3_chapters_are_read():
    info = probe(DATA / "chapters.mp3")
    assert info.title == "Chapter test"
    assert info.chapters == [
        {"startTime": 0.0, "title": "Introduction"},
        {"startTime": 9.5, "title": "The tone", "url": "https://example.com/tone"},
        {"startTime": 12.5, "title": "Once more"},
    ]
    assert probe(DATA / "cbr.mp3").chapters == []


def test_identified_by_content_not_by_name(tmp_path):
    disguised = tmp_path / "episode.wav"
    shutil.copy(DATA / "cbr.mp3", disguised)
    assert probe(disguised).mime_type == "audio/mpeg"
    m4a_named_mp3 = tmp_path / "episode.mp3"
    shutil.copy(DATA / "aac.m4a", m4a_named_mp3)
    assert probe(m4a_named_mp3).mime_type == "audio/mp4"


def test_wav_is_refused_with_a_message_naming_it():
    with pytest.raises(UnsupportedAudio, match="WAV.*MP3"):
        probe(DATA / "tone.wav")


@pytest.mark.parametrize("content", [b"", os.urandom(1) + b"\x00" * 4000, b"\x89PNG\r\n\x1a\n" + bytes(2000)])
def test_non_audio_is_refused(tmp_path, content):
    fake = tmp_path / "fake.mp3"
    fake.write_bytes(content)
    with pytest.raises(UnsupportedAudio, match="MP3 or M4A"):
        probe(fake)


def test_text_named_mp3_is_refused():
    with pytest.raises(UnsupportedAudio, match="not audio"):
        probe(DATA / "not_audio.mp3")


def test_random_bytes_named_mp3_are_refused(tmp_path):
    fake = tmp_path / "noise.mp3"
    fake.write_bytes(b"RND" + bytes(range(256)) * 40)
    with pytest.raises(AudioError):
        probe(fake)


def test_tag_without_audio_is_corrupt(tmp_path):
    truncated = tmp_path / "cut.mp3"
    data = (DATA / "chapters.mp3").read_bytes()
    truncated.write_bytes(data[: data.index(b"\xff\xfb")])  # the tag only
    with pytest.raises(CorruptAudio):
        probe(truncated)


def test_truncated_m4a_is_corrupt(tmp_path):
    truncated = tmp_path / "cut.m4a"
    truncated.write_bytes((DATA / "aac.m4a").read_bytes()[:400])
    with pytest.raises(AudioError):
        probe(truncated)


def test_garbage_and_trailing_tags_are_skipped_when_counting(tmp_path):
    audio = (DATA / "vbr_no_xing.mp3").read_bytes()
    expected = count_mpeg_frames(DATA / "vbr_no_xing.mp3")
    messy = tmp_path / "messy.mp3"
    middle = len(audio) // 2
    # Find a frame boundary near the middle by walking from the start.
    offset = 0
    while offset < middle:
        header = audio[offset + 1] << 8 | audio[offset + 2]
        from podcaster.content.audio import _FRAME_TABLE
        offset += _FRAME_TABLE[header][0]
    ape = b"APETAGEX" + (2000).to_bytes(4, "little") + (32).to_bytes(4, "little") + bytes(16)
    id3v1 = b"TAG" + b"x" * 125
    messy.write_bytes(audio[:offset] + b"\x00\xff\x12garbage" * 50 + audio[offset:] + ape + id3v1)
    counted = count_mpeg_frames(messy)
    assert counted.frames == expected.frames
    assert counted.samples == expected.samples


def test_concatenated_long_file_is_counted_exactly(tmp_path):
    long_file = tmp_path / "long.mp3"
    data = (DATA / "vbr_no_xing.mp3").read_bytes()
    long_file.write_bytes(data * 20)
    assert probe(long_file).duration == pytest.approx(DECODED["vbr_no_xing.mp3"] * 20, rel=1e-6)


def _audio_frames(path):
    data = path.read_bytes()
    return data[ID3(path).size:]


def test_write_id3_tags_keeps_audio_and_duration(tmp_path):
    target = tmp_path / "episode.mp3"
    shutil.copy(DATA / "vbr_no_xing.mp3", target)
    before = probe(target).duration
    original_audio = (DATA / "vbr_no_xing.mp3").read_bytes()
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(image_bytes(64))
    chapters = [{"startTime": 0, "title": "Start"}, {"startTime": 10.25, "title": "Tone", "url": "https://e.x/t"}]

    result = write_id3_tags(target, title="Episode 1", artist="Ann Author", album="The Show", year=2026,
                            cover_jpeg_path=cover, chapters=chapters)

    data = target.read_bytes()
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert _audio_frames(target) == original_audio  # frames untouched
    tags = ID3(target)
    assert tags.version == (2, 4, 0)
    assert str(tags["TIT2"]) == "Episode 1" and str(tags["TPE1"]) == "Ann Author" and str(tags["TALB"]) == "The Show"
    assert str(tags["TDRC"]) == "2026"
    assert tags.getall("APIC")[0].data == cover.read_bytes()
    info = probe(target)
    assert info.duration == pytest.approx(before, abs=1e-9)
    assert info.chapters == [{"startTime": 0.0, "title": "Start"},
                             {"startTime": 10.25, "title": "Tone", "url": "https://e.x/t"}]
    last = max(tags.getall("CHAP"), key=lambda chap: chap.start_time)
    assert last.end_time == round(before * 1000)
    assert not list(tmp_path.glob(".upload-*"))


def test_write_id3_tags_replaces_old_tags(tmp_path):
    target = tmp_path / "episode.mp3"
    shutil.copy(DATA / "chapters.mp3", target)
    write_id3_tags(target, title="New", artist="A", album="B")
    info = probe(target)
    assert info.title == "New"
    assert info.chapters == []
    assert info.duration == pytest.approx(DECODED["chapters.mp3"], rel=1e-6)


def test_write_id3_tags_on_a_non_mp3_leaves_it_alone(tmp_path):
    target = tmp_path / "episode.mp3"
    shutil.copy(DATA / "not_audio.mp3", target)
    before = target.read_bytes()
    with pytest.raises(AudioError):
        write_id3_tags(target, title="T", artist="A", album="B", chapters=[{"startTime": 0, "title": "x"}])
    assert target.read_bytes() == before
    assert not list(tmp_path.glob(".upload-*"))


def test_xing_header_without_a_frame_count_is_not_counted_as_audio(tmp_path):
    # Clear the "frames" flag of the Xing/Info header: mutagen can no longer use it, so the frames are
    # counted, and the header frame itself (silence that decoders skip) must not add to the duration.
    data = bytearray((DATA / "vbr_xing.mp3").read_bytes())
    start = ID3(DATA / "vbr_xing.mp3").size if data.startswith(b"ID3") else 0
    xing = data.find(b"Xing", start, start + 64)
    if xing < 0:
        xing = data.find(b"Info", start, start + 64)
    assert xing > 0
    data[xing + 7] &= 0xFE
    edited = tmp_path / "flagless.mp3"
    edited.write_bytes(bytes(data))
    counted = count_mpeg_frames(edited, start)
    info = probe(edited)
    assert info.duration == pytest.approx((counted.frames - 1) * 1152 / 44100)
    # Within a frame and a bit of the decoded length (the LAME delay/padding info is no longer used).
    assert abs(info.duration - DECODED["vbr_xing.mp3"]) < 0.06


def _can_insert_blocks(folder) -> bool:
    from podcaster.content import audio, libc

    probe_file = folder / "insert-range-probe"
    probe_file.write_bytes(b"x" * 8192)
    try:
        with open(probe_file, "r+b") as handle:
            return libc.fallocate is not None and libc.fallocate(
                handle.fileno(), audio._FALLOC_FL_INSERT_RANGE, 0, os.statvfs(probe_file).f_bsize) == 0
    finally:
        probe_file.unlink()


@pytest.mark.parametrize("fixture", ["vbr_no_xing.mp3", "chapters.mp3", "cbr.mp3"])
def test_tag_in_place_writes_only_the_tag(tmp_path, monkeypatch, fixture):
    """A tag larger than the file's own gets room in front: the audio frames are never moved (rewritten)."""
    import mutagen.id3._file as id3_file

    from podcaster.content.audio import tag_in_place

    if not _can_insert_blocks(tmp_path):
        pytest.skip("the filesystem cannot insert blocks (FALLOC_FL_INSERT_RANGE): mutagen moves the frames")

    def refuse_moving(real):
        def moving(fileobj, *args, **kwargs):
            # Rendering the tag into memory is fine; moving the bytes of the file itself is not.
            if not isinstance(fileobj, io.BytesIO):
                raise AssertionError("the audio frames were moved")
            return real(fileobj, *args, **kwargs)
        return moving

    monkeypatch.setattr(id3_file, "insert_bytes", refuse_moving(id3_file.insert_bytes))
    monkeypatch.setattr(id3_file, "delete_bytes", refuse_moving(id3_file.delete_bytes))
    target = tmp_path / "upload.part"
    shutil.copy(DATA / fixture, target)
    source = (DATA / fixture).read_bytes()
    frames = _audio_frames(DATA / fixture) if source[:3] == b"ID3" else source
    before = probe(target).duration
    inode = target.stat().st_ino

    result = tag_in_place(target, title="Episode 1", artist="Ann Author", album="The Show", year=2026,
                          chapters=[{"startTime": 0, "title": "Start"}], duration=before)

    data = target.read_bytes()
    assert target.stat().st_ino == inode  # the same file, not a copy
    assert (result.size, result.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert _audio_frames(target) == frames
    assert str(ID3(target)["TIT2"]) == "Episode 1" and probe(target).duration == pytest.approx(before, abs=1e-9)
    assert probe(target).chapters == [{"startTime": 0.0, "title": "Start"}]
