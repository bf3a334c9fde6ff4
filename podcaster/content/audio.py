"""Audio files: what they are (by content), how long they last, and their ID3 tags.

Podcast apps accept MP3 and AAC in an MP4 container (M4A), so ``probe`` accepts
those two and refuses everything else with a message meant for the upload form.
The file is identified from its bytes, never from its name.

Durations must be exact, because apps show them and seek with them. mutagen is
exact for M4A and for MP3s that start with a Xing/Info or VBRI header, but for a
VBR MP3 without one it extrapolates from the first frame's bitrate and can be a
third off. In that case (and for any MP3 without such a header) the MPEG frames
are counted here, streaming through the file in large chunks.
"""
from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import mutagen
import numpy
from mutagen.id3 import APIC, CHAP, CTOC, ID3, TALB, TDRC, TIT2, TPE1, WXXX, CTOCFlags, ID3NoHeaderError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from . import libc

MP3_MIME = "audio/mpeg"
M4A_MIME = "audio/mp4"

#: How the upload form names the formats podcast apps accept.
ACCEPTED = "MP3 or M4A (AAC)"

_READ_CHUNK = 1024 * 1024


class AudioError(Exception):
    """The file cannot be used as podcast audio; ``str(error)`` is a message for the author."""


class UnsupportedAudio(AudioError):
    """The file is not MP3 or M4A/AAC (another audio format, or not audio at all)."""


class CorruptAudio(AudioError):
    """The file looks like MP3 or M4A but cannot be read (damaged, truncated, no audio)."""


@dataclass
class AudioInfo:
    """What ``probe`` learned about an audio file.

    Attributes:
        mime_type: ``audio/mpeg`` or ``audio/mp4``.
        extension: ``mp3`` or ``m4a``, for naming the stored file.
        duration: length in seconds.
        bitrate: average bits per second, when known.
        chapters: ``{"startTime": seconds, "title": str, "url": str (optional)}`` in order, from the
            file's own chapter marks (ID3 CHAP frames, or Nero chapters in M4A); empty when none.
        title: the title tag, if any.
        artist: the artist tag, if any.
    """

    mime_type: str
    extension: str
    duration: float
    bitrate: int | None
    chapters: list[dict] = field(default_factory=list)
    title: str | None = None
    artist: str | None = None


@dataclass(frozen=True)
class TaggedFile:
    """The size and checksum of a file after its tags were rewritten."""

    size: int
    sha256: str


def probe(path: str | os.PathLike, frames: StreamCount | None = None) -> AudioInfo:
    """Identify an audio file by its content and measure it.

    Args:
        path: the file to read.
        frames: its MPEG frames as a ``FrameCounter`` counted them while the file arrived; used
            instead of walking the file again when they match it (same size and audio start).

    Returns:
        Its format, duration, bitrate, chapters and title/artist tags.

    Raises:
        UnsupportedAudio: not MP3 or M4A/AAC; the message says what was found and what is accepted.
        CorruptAudio: an MP3 or M4A that cannot be read or has no audio in it.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    if not head:
        raise UnsupportedAudio(f"The file is empty. Please upload an {ACCEPTED} file.")
    if head[4:8] == b"ftyp":
        return _probe_mp4(path)
    if head.startswith(b"ID3") or _frame_at(head, 0) is not None:
        return _probe_mp3(path, frames)
    raise UnsupportedAudio(_describe_unsupported(head))


# --- identification -------------------------------------------------------------------------------------------


def _describe_unsupported(head: bytes) -> str:
    """A message naming what the file seems to be, for a file that is neither MP3 nor MP4."""
    kind = _other_audio_kind(head)
    if kind:
        return (f"This is a {kind} file. Podcast apps only play {ACCEPTED} files: please export or convert "
                f"the episode to MP3 (or AAC in an .m4a file) and upload that.")
    return f"This file is not audio (or not a format podcast apps play). Please upload an {ACCEPTED} file."


def _other_audio_kind(head: bytes) -> str | None:
    """The name of another audio format mutagen recognises from these first bytes, judged by content only."""
    from mutagen.aiff import AIFF
    from mutagen.asf import ASF
    from mutagen.flac import FLAC
    from mutagen.oggflac import OggFLAC
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis
    from mutagen.wave import WAVE
    from mutagen.wavpack import WavPack

    names = {WAVE: "WAV", FLAC: "FLAC", OggVorbis: "Ogg Vorbis", OggOpus: "Opus", OggFLAC: "Ogg FLAC",
             AIFF: "AIFF", ASF: "Windows Media", WavPack: "WavPack"}
    best, best_score = None, 0
    for kind, name in names.items():
        # An empty file name: mutagen would otherwise add points for a matching extension.
        score = kind.score("", io.BytesIO(head), head)
        if score > best_score:
            best, best_score = name, score
    return best


# --- MP4 ------------------------------------------------------------------------------------------------------


def _probe_mp4(path: Path) -> AudioInfo:
    try:
        audio = MP4(path)
    except mutagen.MutagenError as exc:
        raise CorruptAudio(f"This MP4 file could not be read ({exc}). It may be damaged or incomplete.") from exc
    info = audio.info
    codec = getattr(info, "codec", "") or ""
    if not codec:
        raise CorruptAudio("This MP4 file has no audio track.")
    if not codec.startswith("mp4a"):
        raise UnsupportedAudio(
            f"This MP4 file holds {getattr(info, 'codec_description', codec)} audio; podcast apps need AAC. "
            f"Please convert it to AAC (.m4a) or MP3."
        )
    if not info.length:
        raise CorruptAudio("This M4A file contains no audio.")
    tags = audio.tags or {}
    chapters = [{"startTime": round(float(mark.start), 3), "title": mark.title or ""}
                for mark in (audio.chapters or [])]
    return AudioInfo(
        mime_type=M4A_MIME, extension="m4a", duration=float(info.length), bitrate=int(info.bitrate) or None,
        chapters=chapters, title=_first(tags.get("\xa9nam")), artist=_first(tags.get("\xa9ART")),
    )


def _first(values) -> str | None:
    if not values:
        return None
    return str(values[0]) or None


# --- MP3 ------------------------------------------------------------------------------------------------------


def _probe_mp3(path: Path, counted: StreamCount | None = None) -> AudioInfo:
    try:
        audio = MP3(path)
    except mutagen.MutagenError as exc:
        raise CorruptAudio(
            "No MP3 audio could be read from this file. It may be damaged, incomplete, "
            "or another kind of file with an MP3 tag."
        ) from exc
    info = audio.info
    if getattr(info, "layer", 3) != 3:
        raise UnsupportedAudio(f"This is MPEG layer {info.layer} audio (MP{info.layer}); podcast apps need MP3 "
                               f"(layer III) or M4A. Please convert it.")
    start = _audio_start(path)
    header = _vbr_header(path, start)
    if header == "counted":
        duration, bitrate = float(info.length), int(info.bitrate) or None
    else:
        if counted is not None and counted.start == start and counted.size == path.stat().st_size:
            count = counted.count  # walked while the upload arrived
        else:
            count = count_mpeg_frames(path, start)
        frames = count.frames - (1 if header == "uncounted" else 0)  # decoders skip the header frame
        if frames <= 0:
            raise CorruptAudio("No MP3 audio frames were found in this file. It may be damaged or incomplete.")
        duration = count.duration * frames / count.frames
        bitrate = round(count.audio_bytes * 8 / duration) if duration else None
    if duration <= 0:
        raise CorruptAudio("This MP3 file contains no audio.")
    tags = audio.tags
    return AudioInfo(
        mime_type=MP3_MIME, extension="mp3", duration=duration, bitrate=bitrate,
        chapters=_id3_chapters(tags) if tags is not None else [],
        title=_text_frame(tags, "TIT2"), artist=_text_frame(tags, "TPE1"),
    )


def _text_frame(tags, frame_id: str) -> str | None:
    if tags is None:
        return None
    frame = tags.get(frame_id)
    if frame is None or not frame.text:
        return None
    return str(frame.text[0]) or None


def _id3_chapters(tags) -> list[dict]:
    """Chapters from CHAP frames, ordered by start time (the CTOC order normally agrees)."""
    chapters = []
    for chap in sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time):
        title_frame = chap.sub_frames.get("TIT2")
        entry = {"startTime": chap.start_time / 1000, "title": str(title_frame.text[0]) if title_frame else ""}
        for sub in chap.sub_frames.values():
            if sub.FrameID in ("WXXX", "WOAR", "WOAF") and getattr(sub, "url", ""):
                entry["url"] = sub.url
                break
        chapters.append(entry)
    return chapters


def _audio_start(path: Path) -> int:
    """The offset just after any ID3v2 tags at the start of the file."""
    offset = 0
    with open(path, "rb") as handle:
        while True:
            handle.seek(offset)
            header = handle.read(10)
            if len(header) < 10 or not header.startswith(b"ID3"):
                return offset
            size = _syncsafe(header[6:10]) + 10
            if header[5] & 0x10:  # footer present
                size += 10
            offset += size


def _syncsafe(data: bytes) -> int:
    return (data[0] & 0x7F) << 21 | (data[1] & 0x7F) << 14 | (data[2] & 0x7F) << 7 | (data[3] & 0x7F)


def _vbr_header(path: Path, start: int) -> str | None:
    """What the first MPEG frame says about the frame count.

    Returns:
        ``"counted"`` for a Xing/Info or VBRI header with the number of frames (mutagen's
        duration is then exact), ``"uncounted"`` for a Xing/Info header without it (the frames
        must be counted, not including the header frame), ``None`` when there is no such header.
    """
    with open(path, "rb") as handle:
        handle.seek(start)
        window = handle.read(64 * 1024)
    for offset in range(max(0, len(window) - 4)):
        frame = _frame_at(window, offset)
        if frame is None:
            continue
        body = window[offset:offset + frame[0]]
        xing = body.find(b"Xing", 4, 40)
        if xing < 0:
            xing = body.find(b"Info", 4, 40)
        if xing >= 0 and len(body) >= xing + 8:
            return "counted" if body[xing + 7] & 0x01 else "uncounted"  # flag: the frames field is present
        return "counted" if body[36:40] == b"VBRI" else None
    return None


# --- MPEG frame counting --------------------------------------------------------------------------------------

_BITRATES_V1_L3 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1)
_BITRATES_V2_L3 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1)
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # by version bits


def _build_frame_table() -> list[tuple[int, int, int] | None]:
    """For header bytes 2 and 3 (as one 16-bit number): (frame length, samples, sample rate) or None.

    Only MPEG 1, 2 and 2.5 Layer III with a known bitrate (not free format) are valid.
    """
    table: list[tuple[int, int, int] | None] = [None] * 65536
    for b1 in range(0xE0, 0x100):
        version = (b1 >> 3) & 3
        layer = (b1 >> 1) & 3
        if version == 1 or layer != 1:  # reserved version; layer bits 01 mean Layer III
            continue
        for b2 in range(256):
            bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
            if bitrate_index in (0, 15) or rate_index == 3:
                continue
            rate = _SAMPLE_RATES[version][rate_index]
            if version == 3:
                kbps, samples, factor = _BITRATES_V1_L3[bitrate_index], 1152, 144
            else:
                kbps, samples, factor = _BITRATES_V2_L3[bitrate_index], 576, 72
            table[b1 << 8 | b2] = (factor * kbps * 1000 // rate + padding, samples, rate)
    return table


_FRAME_TABLE = _build_frame_table()
#: Just the frame lengths (0 where invalid), for the fast path of ``count_mpeg_frames``.
_FRAME_LENGTH_ARRAY = numpy.array([entry[0] if entry else 0 for entry in _FRAME_TABLE], dtype=numpy.int64)
#: The fast path stops this far from the end of the data at hand (more than two of the largest frames).
_FAST_MARGIN = 4096


def _frame_run(buf: bytes, start: int, limit: int, reference: int) -> tuple[int, int]:
    """Follow the frames that follow each other from ``start``, in C-speed array operations.

    Exactly what a loop doing ``i += length`` while ``i < limit`` and a valid header that
    agrees with ``reference`` is at ``i`` would find, without a Python step per frame (a
    9-hour VBR file has 1.3 million frames: 2 s of Python loop). Every header candidate of the
    window is decoded at once (each 0xFF byte with a valid Layer III header that agrees
    with the first frame), each candidate is linked to the candidate starting where it
    ends, and the chain from ``start`` is followed by binary lifting (jump tables of 1, 2,
    4... links), so the work per window is a few array passes plus log2(frames) gathers.

    Args:
        buf: the data at hand.
        start: where a frame is expected.
        limit: no frame starting at or after this offset is counted (``limit + 3 <= len(buf)``).
        reference: the first frame's header bits that every frame must share (``key & 0xFE0C``).

    Returns:
        The offset after the last frame counted (where the run broke, or at/after ``limit``),
        and how many frames were counted.
    """
    if start >= limit:
        return start, 0
    data = numpy.frombuffer(buf, dtype=numpy.uint8, count=limit + 3)
    starts = numpy.flatnonzero(data[start:limit] == 0xFF) + start
    keys = data[starts + 1].astype(numpy.int64) << 8 | data[starts + 2]
    lengths = _FRAME_LENGTH_ARRAY[keys]
    keep = (lengths > 0) & ((keys & 0xFE0C) == reference)
    starts = starts[keep]
    if not len(starts) or starts[0] != start:
        return start, 0
    ends = starts + lengths[keep]
    count = len(starts)
    # The candidate starting where each one ends; ``count`` (a sentinel linked to itself) for none.
    following = numpy.searchsorted(starts, ends)
    linked = following < count
    linked[linked] = starts[following[linked]] == ends[linked]
    jumps = [numpy.append(numpy.where(linked, following, count), count)]
    while 1 << len(jumps) <= count:
        jumps.append(jumps[-1][jumps[-1]])
    node = steps = 0
    for level in range(len(jumps) - 1, -1, -1):
        after = int(jumps[level][node])
        if after != count:
            node, steps = after, steps + (1 << level)
    return int(ends[node]), steps + 1


def _frame_at(data: bytes, offset: int) -> tuple[int, int, int] | None:
    """The (length, samples, sample rate) of a Layer III frame header at ``offset``, or None."""
    if offset + 4 > len(data) or data[offset] != 0xFF:
        return None
    return _FRAME_TABLE[data[offset + 1] << 8 | data[offset + 2]]


@dataclass(frozen=True)
class FrameCount:
    """The result of walking an MP3's frames."""

    frames: int
    samples: int
    sample_rate: int
    audio_bytes: int

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate if self.sample_rate else 0.0


def _audio_end(handle, size: int) -> int:
    """The offset where trailing tags (ID3v1, APEv2, Lyrics3 is not handled) begin, or ``size``."""
    end = size
    if end >= 128:
        handle.seek(end - 128)
        if handle.read(3) == b"TAG":
            end -= 128
    if end >= 32:
        handle.seek(end - 32)
        footer = handle.read(32)
        if footer.startswith(b"APETAGEX"):
            tag_size = int.from_bytes(footer[12:16], "little")
            has_header = footer[23] & 0x80
            end -= tag_size + (32 if has_header else 0)
    return max(end, 0)


def count_mpeg_frames(path: str | os.PathLike, start: int = 0) -> FrameCount:
    """Walk the MPEG Layer III frames of a file and add up their samples.

    Reads in large chunks (memory stays bounded). Frames must agree with the
    first one on version and sample rate; garbage between frames is skipped by
    searching for the next pair of consecutive valid headers. Trailing ID3v1 and
    APEv2 tags, and a final incomplete frame, are not counted.

    Args:
        path: the MP3 file.
        start: where to begin (after the ID3v2 tag).

    Returns:
        Frames, samples, sample rate and the bytes of audio counted.
    """
    with open(path, "rb", buffering=0) as handle:
        end = _audio_end(handle, os.fstat(handle.fileno()).st_size)
        walk = _FrameWalk(start, end)
        handle.seek(start)
        remaining = end - start
        while remaining > 0 and (chunk := handle.read(min(_READ_CHUNK, remaining))):
            remaining -= len(chunk)
            walk.feed(chunk, hold=_LOOKAHEAD)
        return walk.finish(end)


#: Bytes of lookahead the walk keeps past the place it examines (two headers plus a largest frame, and more).
_LOOKAHEAD = 8192
#: While an upload arrives, the walk stays this far behind the data received, so trailing tags (found only
#: once the file is complete) are never walked as audio; a larger trailing tag means counting again.
_STREAM_HOLD = 256 * 1024
#: The most bytes one ``_frame_run`` call looks at (its array temporaries stay this small).
_RUN_WINDOW = 256 * 1024


class _FrameWalk:
    """The frame walk of ``count_mpeg_frames``, fed the audio's bytes in order, block by block.

    The result does not depend on how the bytes are split: the walk only examines a
    position when ``hold`` bytes (at least ``_LOOKAHEAD``) follow it, or the end is known.

    Args:
        start: the file offset of the first byte fed.
        end: where the audio ends (trailing tags excluded), or None while it is unknown.
    """

    def __init__(self, start: int, end: int | None) -> None:
        self.end = end
        self.position = start  # file offset of buf[0]
        # The bytes at hand are buf[:length]: one buffer reused from feed to feed (a new object per block
        # of an upload made the worker's heap grow, see ``web.uploads.UploadSpool``).
        self.buf = bytearray()
        self.length = 0
        self.i = 0
        self.synced = False  # whether i is the end of a frame just counted
        self.frames = self.samples = self.audio_bytes = 0
        self.sample_rate = self.samples_per_frame = 0
        self.reference = -1  # header byte 2 (minus CRC bit) and rate bits of the first frame
        self.examined = start  # the furthest offset the walk may have looked at

    def feed(self, data: bytes, hold: int) -> None:
        """Add the next bytes (bytes-like, copied) and walk as far as ``hold`` bytes of lookahead allow."""
        kept = self.length - self.i
        needed = kept + len(data)
        if needed > len(self.buf):
            grown = bytearray(needed + needed // 4)  # room for the next block's small differences in size
            grown[:kept] = memoryview(self.buf)[self.i:self.length]
            self.buf = grown
        elif self.i >= kept:
            # The bytes kept move to the front; the two ranges do not overlap, so no copy is needed.
            self.buf[:kept] = memoryview(self.buf)[self.i:self.length]
        elif self.i:
            self.buf[:kept] = self.buf[self.i:self.length]
        self.buf[kept:needed] = data
        self.length = needed
        self.position += self.i
        self.i = 0
        self._walk(self.position + needed - hold)

    def finish(self, end: int) -> FrameCount:
        """Walk the rest now that the end of the audio is known."""
        self.end = end
        self._walk(None)
        return FrameCount(frames=self.frames, samples=self.samples, sample_rate=self.sample_rate,
                          audio_bytes=self.audio_bytes)

    def _walk(self, stop: int | None) -> None:
        """Walk frames while the place examined is before ``stop`` (None: to the end)."""
        table = _FRAME_TABLE
        buf, filled, i, position, synced = self.buf, self.length, self.i, self.position, self.synced
        end = self.end if self.end is not None else 1 << 62
        reference = self.reference
        while True:
            if stop is not None and position + i >= stop:
                break  # wait for more data
            if synced:
                # The common case: frame after frame with nothing between them. Stops well before the
                # data's end (and the audio's end), where the careful path below takes over.
                fast_limit = min(filled, end - position) - _FAST_MARGIN
                if stop is not None:
                    fast_limit = min(fast_limit, stop - position)
                fast_limit = min(fast_limit, i + _RUN_WINDOW)
                run_start = i
                i, run_frames = _frame_run(buf, i, fast_limit, reference)
                self.frames += run_frames
                self.samples += run_frames * self.samples_per_frame
                self.audio_bytes += i - run_start
                if i < fast_limit:
                    synced = False  # something else is here: let the careful path look
                    continue
                if stop is not None and position + i >= stop:
                    break
            if position + i + 4 > end:
                break
            self.examined = max(self.examined, position + i + 1448)
            if buf[i] == 0xFF:
                key = buf[i + 1] << 8 | buf[i + 2]
                entry = table[key]
                if entry is not None and (reference < 0 or (key & 0xFE0C) == reference):
                    length = entry[0]
                    if position + i + length > end:
                        break  # an incomplete last frame
                    if not synced:
                        # Resyncing: trust a header only when another one follows it.
                        following = i + length
                        if following + 3 <= filled:
                            nxt = table[buf[following + 1] << 8 | buf[following + 2]] if buf[following] == 0xFF \
                                else None
                            if nxt is None and position + following < end:
                                i += 1
                                continue
                    if reference < 0:
                        reference = self.reference = key & 0xFE0C
                        self.sample_rate = entry[2]
                        self.samples_per_frame = entry[1]
                    self.frames += 1
                    self.samples += entry[1]
                    self.audio_bytes += length
                    i += length
                    synced = True
                    continue
            # Not a frame here: look for the next 0xFF.
            synced = False
            found = buf.find(b"\xff", i + 1, filled)
            if found < 0:
                i = filled
                if position + i >= end:
                    break
            else:
                i = found
        self.i, self.synced = i, synced


class FrameCounter:
    """Counts an MP3's frames while its bytes arrive (an upload), so the probe need not read it again.

    Fed every byte of the file in order (``feed``), from the first; knows where the
    audio starts from the ID3v2 tags it sees, and stops at once for anything that does
    not start like an MP3. ``finish`` needs the complete file (for its trailing tags).
    The count equals ``count_mpeg_frames(path, start)``; where it could differ (a
    trailing tag larger than ``_STREAM_HOLD``), ``finish`` returns None instead.
    """

    def __init__(self) -> None:
        self.start: int | None = None
        self.offset = 0  # bytes fed so far
        self.head = b""  # the first bytes, while the start is not known
        self.gave_up = False
        self.walk: _FrameWalk | None = None

    def feed(self, data: bytes) -> None:
        """The next bytes of the file."""
        if self.gave_up:
            return
        self.offset += len(data)
        if self.walk is not None:
            self.walk.feed(data, hold=_STREAM_HOLD)
            return
        self.head += data
        start = 0
        while len(self.head) >= start + 10 and self.head.startswith(b"ID3", start):
            header = self.head[start:start + 10]
            start += _syncsafe(header[6:10]) + 10 + (10 if header[5] & 0x10 else 0)
        if len(self.head) < start + 10:
            if len(self.head) > 16 * 1024 * 1024:
                self.gave_up = True  # an enormous tag: leave it to the probe
            return
        if start == 0 and _frame_at(self.head, 0) is None:
            self.gave_up = True  # not an MP3 that starts with a frame (M4A, an image, ...)
            return
        self.start = start
        self.walk = _FrameWalk(start, None)
        head, self.head = self.head, b""
        self.walk.feed(head[start:], hold=_STREAM_HOLD)

    def finish(self, path: str | os.PathLike) -> "StreamCount | None":
        """The count, once every byte of ``path`` was fed; None when it must be counted from the file."""
        if self.gave_up or self.walk is None:
            return None
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size != self.offset:
                return None
            end = _audio_end(handle, size)
        if self.walk.examined > end or self.walk.position + self.walk.i > end + _LOOKAHEAD:
            return None  # the walk may have looked into a trailing tag
        return StreamCount(start=self.start, size=size, count=self.walk.finish(end))


@dataclass(frozen=True)
class StreamCount:
    """The frames of an MP3 counted while it was received, with what they are valid for."""

    start: int  # where the audio started (after the ID3v2 tags)
    size: int  # the file's size when counted
    count: FrameCount


# --- tag writing ----------------------------------------------------------------------------------------------


def write_id3_tags(path: str | os.PathLike, *, title: str, artist: str, album: str, year: int | None = None,
                   cover_jpeg_path: str | os.PathLike | None = None, chapters: list[dict] | None = None,
                   duration: float | None = None) -> TaggedFile:
    """Write ID3v2.4 tags into an MP3, replacing the file atomically.

    The audio frames are copied unchanged; only the tag at the start changes.
    The new file is written under a hidden temporary name in the same folder and
    renamed over the old one, so readers see either the old file or the new one.
    For a file no one reads yet (an upload's temporary file) ``tag_in_place``
    does the same without the copy.

    Args:
        path: the MP3 file (a stored file or an upload's temporary file).
        title: TIT2.
        artist: TPE1 (the show's author).
        album: TALB (the show's title).
        year: TDRC, when given.
        cover_jpeg_path: a JPEG for the front-cover APIC frame.
        chapters: ``{"startTime", "title", "url"?}`` dicts; written as CHAP frames under one CTOC.
            Each chapter ends where the next starts; the last ends at ``duration``.
        duration: the audio's length in seconds (needed for the last chapter's end; probed when omitted).

    Returns:
        The new size and SHA-256 of the file (update the MediaFile row with them).

    Raises:
        CorruptAudio: the file is not an MP3 mutagen can tag.
    """
    path = Path(path)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    temp = Path(temp_name)
    try:
        with open(path, "rb") as source, os.fdopen(fd, "wb") as out:
            while chunk := source.read(_READ_CHUNK):
                out.write(chunk)
        tagged = tag_in_place(temp, title=title, artist=artist, album=album, year=year,
                              cover_jpeg_path=cover_jpeg_path, chapters=chapters,
                              duration=probe(path).duration if chapters and duration is None else duration)
        os.replace(temp, path)
        return tagged
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def tag_in_place(path: str | os.PathLike, *, title: str, artist: str, album: str, year: int | None = None,
                 cover_jpeg_path: str | os.PathLike | None = None, chapters: list[dict] | None = None,
                 duration: float | None = None) -> TaggedFile:
    """Write ID3v2.4 tags into an MP3 nobody reads yet, then hash and fsync it in one pass.

    Meant for an upload's temporary file before it is linked into place: no copy is
    made, so the audio is not written a second time (mutagen rewrites only the tag,
    unless the new tag is larger than the old one and its padding: then it moves the
    frames along inside the same file). A failure can leave the file half-tagged; the
    caller throws the temporary file away then.

    Args:
        path: the MP3 file.
        title, artist, album, year, cover_jpeg_path, chapters, duration: as for ``write_id3_tags``.

    Returns:
        The file's new size and SHA-256; it is on disk (fsynced) when this returns.

    Raises:
        CorruptAudio: the file is not an MP3 mutagen can tag.
    """
    path = Path(path)
    tags = _read_tags(path)
    for frame_id in ("TIT2", "TPE1", "TALB", "TDRC", "APIC", "CHAP", "CTOC"):
        tags.delall(frame_id)
    tags.add(TIT2(encoding=3, text=[title]))
    tags.add(TPE1(encoding=3, text=[artist]))
    tags.add(TALB(encoding=3, text=[album]))
    if year:
        tags.add(TDRC(encoding=3, text=[str(year)]))
    if cover_jpeg_path:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover",
                      data=Path(cover_jpeg_path).read_bytes()))
    if chapters:
        if duration is None:
            duration = probe(path).duration
        _add_chapter_frames(tags, chapters, duration)
    return _write_tags(path, tags)


def replace_chapter_frames(path: str | os.PathLike, chapters: list[dict], duration: float) -> TaggedFile:
    """Replace only the chapter marks (CHAP frames under one CTOC) of an MP3 nobody reads yet.

    The chapter editor's save: every other tag (title, cover, the author's own frames) is kept.
    Chapter links become WXXX sub-frames; chapter images stay in the JSON chapters file, which
    is where podcast apps look for them.

    Args:
        path: a temporary copy of the stored MP3 (see ``content.podcasts.replace_chapters``).
        chapters: ``{"startTime", "title", "url"?}`` dicts; empty removes every chapter mark.
        duration: the audio's length in seconds (the last chapter's end).

    Returns:
        The file's new size and SHA-256; it is on disk (fsynced) when this returns.

    Raises:
        CorruptAudio: the file is not an MP3 mutagen can tag.
    """
    path = Path(path)
    tags = _read_tags(path)
    tags.delall("CHAP")
    tags.delall("CTOC")
    if chapters:
        _add_chapter_frames(tags, chapters, duration)
    return _write_tags(path, tags)


def retag_in_place(path: str | os.PathLike, *, title: str, artist: str, album: str, year: int | None = None,
                   cover_jpeg_path: str | os.PathLike | None = None) -> TaggedFile | None:
    """Rewrite the episode's own ID3 frames of an MP3 copy nobody reads yet, keeping every other frame.

    The re-tagging job's step (``content.retagging``): title, artist, album, the year (when given) and the
    front cover follow the episode and its show, while the chapter marks (CHAP/CTOC) and the author's other
    frames stay as they are. A file that already carries exactly these frames is left untouched, so a job
    run twice makes one result.

    Args:
        path: a temporary copy of the stored MP3.
        title, artist, album, year, cover_jpeg_path: as for ``write_id3_tags``; ``year`` None keeps the
            file's TDRC; ``cover_jpeg_path`` None removes the cover.

    Returns:
        The file's new size and SHA-256 (on disk, fsynced), or None when its tags were already these.

    Raises:
        CorruptAudio: the file is not an MP3 mutagen can tag.
    """
    path = Path(path)
    tags = _read_tags(path)
    wanted = [TIT2(encoding=3, text=[title]), TPE1(encoding=3, text=[artist]), TALB(encoding=3, text=[album])]
    if year:
        wanted.append(TDRC(encoding=3, text=[str(year)]))
    if cover_jpeg_path:
        wanted.append(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover",
                           data=Path(cover_jpeg_path).read_bytes()))
    replaced = {frame.FrameID for frame in wanted} | {"APIC"}
    fresh = ID3()
    for frame in wanted:
        fresh.add(frame)
    # Compared as read back from bytes: a frame read from a file and one just built differ in their Python
    # values (a TDRC's timestamp object, say) while they would write the same bytes.
    normal = ID3(io.BytesIO(_render_tag(fresh, 0)))
    if _frames(tags, replaced) == _frames(normal, replaced):
        return None
    for frame_id in replaced:
        tags.delall(frame_id)
    for frame in wanted:
        tags.add(frame)
    return _write_tags(path, tags)


def _frames(tags: ID3, frame_ids: set[str]) -> list[str]:
    return sorted(repr(frame) for frame_id in frame_ids for frame in tags.getall(frame_id))


def _read_tags(path: Path) -> ID3:
    """The MP3's ID3 tag, or an empty one when it has none.

    Raises:
        CorruptAudio: the tag is there but mutagen cannot read it.
    """
    try:
        return ID3(path)
    except ID3NoHeaderError:
        return ID3()
    except mutagen.MutagenError as exc:
        raise CorruptAudio(f"The MP3's tags could not be read: {exc}") from exc


def _write_tags(path: Path, tags: ID3) -> TaggedFile:
    """Write ``tags`` into the MP3 (in front of the audio where possible), then hash and fsync it.

    Raises:
        CorruptAudio: mutagen could not write the tag.
    """
    try:
        if not _write_tag_in_front(path, tags):
            tags.save(path, v2_version=4)
    except mutagen.MutagenError as exc:
        raise CorruptAudio(f"The MP3's tags could not be written: {exc}") from exc
    return _hash_and_sync(path)


def _hash_and_sync(path: Path) -> TaggedFile:
    """Hash a just tagged file and fsync it at the same time.

    Raises:
        OSError: the file could not be read or flushed to disk.
    """
    # The one read of the tagged file: the hash taken while it was received is stale now that the
    # tag changed its first bytes, and SHA-256 cannot be patched for a new prefix. Every write to the
    # file is done, so the fsync runs on its own thread while this one hashes (both release the GIL
    # and wait for different things: the disk, the CPU); it is over before any row can point at it.
    digest = hashlib.sha256()
    buffer = bytearray(_READ_CHUNK)  # one buffer for every read (no new object per chunk)
    view = memoryview(buffer)
    failures: list[OSError] = []
    with open(path, "rb", buffering=0) as handle:
        descriptor = handle.fileno()
        syncing = threading.Thread(target=_fsync_noting_failure, args=(descriptor, failures),
                                   name="tag-fsync", daemon=True)
        syncing.start()
        try:
            while read := handle.readinto(buffer):
                digest.update(view[:read])
        finally:
            syncing.join()
        if failures:
            raise failures[0]
        size = os.fstat(descriptor).st_size
    return TaggedFile(size=size, sha256=digest.hexdigest())


def _fsync_noting_failure(descriptor: int, failures: list[OSError]) -> None:
    try:
        os.fsync(descriptor)
    except OSError as exc:
        failures.append(exc)


#: fallocate(2) mode that inserts a hole of whole blocks into a file, shifting what follows (Linux 4.1+,
#: ext4 and XFS); the data after it is not read or written again.
_FALLOC_FL_INSERT_RANGE = 0x20




def _id3v2_length(head: bytes) -> int:
    """The length in bytes of the ID3v2 tag a file starts with (header and footer included), 0 for none."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
    return 10 + size + (10 if head[5] & 0x10 else 0)


def _render_tag(tags: ID3, padding: int) -> bytes:
    buffer = io.BytesIO()
    tags.save(buffer, v2_version=4, v1=0, padding=lambda _info: padding)
    return buffer.getvalue()


def _write_tag_in_front(path: Path, tags: ID3) -> bool:
    """Write ``tags`` over the file's own ID3v2 tag without moving the audio frames, where possible.

    mutagen makes room for a larger tag by moving every byte after it (a second full write of
    the file). Instead, the new tag is padded to fill the old tag's space exactly, plus whole
    filesystem blocks inserted in front with ``FALLOC_FL_INSERT_RANGE`` when it is larger: only
    the tag is written. False (nothing changed) where that cannot be done: another system or
    filesystem, an ID3v1 tag at the end (mutagen updates it), a tag mutagen could not place.
    """
    with open(path, "r+b") as handle:
        descriptor = handle.fileno()
        size = os.fstat(descriptor).st_size
        old = _id3v2_length(handle.read(10))
        if old >= size:
            return False
        handle.seek(size - 128)
        if size >= 128 and handle.read(3) == b"TAG":
            return False
        bare = _render_tag(tags, 0)
        grow = 0
        if len(bare) > old:
            block = os.statvfs(path).f_bsize
            grow = -(-(len(bare) - old) // block) * block
            if libc.fallocate is None or libc.fallocate(descriptor, _FALLOC_FL_INSERT_RANGE, 0, grow) != 0:
                failure = libc.last_errno()
                if libc.fallocate is not None and failure not in (errno.EOPNOTSUPP, errno.EINVAL,
                                                                  errno.ENOSYS, errno.EPERM):
                    raise OSError(failure, os.strerror(failure), str(path))
                return False
        data = _render_tag(tags, old + grow - len(bare))
        if len(data) != old + grow:  # cannot happen with the tag just measured; never guess
            raise CorruptAudio("The MP3's tags could not be written: unexpected tag size.")
        view = memoryview(data)
        offset = 0
        while offset < len(view):
            offset += os.pwrite(descriptor, view[offset:], offset)
    return True


def _add_chapter_frames(tags: ID3, chapters: list[dict], duration: float) -> None:
    ordered = sorted(chapters, key=lambda chapter: float(chapter["startTime"]))
    ids = [f"chp{index}" for index in range(len(ordered))]
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                  sub_frames=[TIT2(encoding=3, text=["Chapters"])]))
    for index, chapter in enumerate(ordered):
        start_ms = round(float(chapter["startTime"]) * 1000)
        following = ordered[index + 1]["startTime"] if index + 1 < len(ordered) else duration
        end_ms = max(start_ms, round(float(following) * 1000))
        sub_frames = [TIT2(encoding=3, text=[chapter.get("title") or ""])]
        if chapter.get("url"):
            sub_frames.append(WXXX(encoding=3, desc="", url=chapter["url"]))
        tags.add(CHAP(element_id=ids[index], start_time=start_ms, end_time=end_ms, start_offset=0xFFFFFFFF,
                      end_offset=0xFFFFFFFF, sub_frames=sub_frames))
