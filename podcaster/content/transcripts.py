"""Episode transcripts: SubRip (.srt) and WebVTT (.vtt) files, checked by content.

Podcast apps read ``podcast:transcript`` files in either format. An upload is
accepted only when its text really is one of them: valid UTF-8, and cues with
``start --> end`` timings. The file name and the browser's Content-Type are not
trusted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .text import binary_size

SRT_MIME = "application/x-subrip"
VTT_MIME = "text/vtt"
MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024

_SRT_TIMING = re.compile(
    r"^\s*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}"
)
_VTT_TIMING = re.compile(
    r"^\s*(?:\d{1,3}:)?\d{2}:\d{2}\.\d{3}\s*-->\s*(?:\d{1,3}:)?\d{2}:\d{2}\.\d{3}"
)


class TranscriptError(ValueError):
    """The upload is not a usable SRT or WebVTT transcript; the message is for the form."""


@dataclass(frozen=True)
class TranscriptFormat:
    """What a checked transcript is."""

    mime_type: str
    extension: str
    cues: int


def check_transcript(data: bytes) -> TranscriptFormat:
    """Identify a transcript by its content.

    Args:
        data: the whole uploaded file.

    Returns:
        Its MIME type (``text/vtt`` or ``application/x-subrip``), extension and cue count.

    Raises:
        TranscriptError: too large, not UTF-8 text, or without any timed cue.
    """
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(f"The transcript is larger than {binary_size(MAX_TRANSCRIPT_BYTES)}.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError("The transcript is not UTF-8 text. Please save it as UTF-8 (.srt or .vtt).") from exc
    if "\x00" in text:
        raise TranscriptError("The transcript is not a text file. Please upload an .srt or .vtt file.")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0].strip() if lines else ""
    if first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t")):
        cues = sum(1 for line in lines if _VTT_TIMING.match(line))
        if not cues:
            raise TranscriptError("This WebVTT file has no timed cues (lines like “00:00:01.000 --> 00:00:04.000”).")
        return TranscriptFormat(VTT_MIME, "vtt", cues)
    cues = sum(1 for line in lines if _SRT_TIMING.match(line))
    if cues:
        return TranscriptFormat(SRT_MIME, "srt", cues)
    raise TranscriptError(
        "This is not a transcript podcast apps can read. Please upload a SubRip (.srt) or WebVTT (.vtt) file."
    )


@dataclass(frozen=True)
class Cue:
    """One timed line of a transcript, for a page that follows the audio."""

    start: float
    end: float
    text: str


def _cue_seconds(stamp: str) -> float:
    parts = stamp.strip().replace(",", ".").split(":")
    return sum(float(part) * 60 ** index for index, part in enumerate(reversed(parts)))


def transcript_cues(data: bytes) -> list[Cue]:
    """The timed cues of an SRT or WebVTT transcript, in order, with their spoken text.

    Cue numbers, the WEBVTT header, NOTE/STYLE blocks and markup tags are left out, as are
    cues without text or with a timing line that cannot be read.

    Args:
        data: the stored transcript.

    Returns:
        Each cue's start and end (seconds) and text.
    """
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.split("\n") if line.strip()]
        timing = next((index for index, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        spoken = " ".join(re.sub(r"<[^>]*>", "", line).strip() for line in lines[timing + 1:])
        start, _, rest = lines[timing].partition("-->")
        try:
            # A VTT timing line may go on with cue settings ("align:start") after the end time.
            cue = Cue(_cue_seconds(start), _cue_seconds(rest.split()[0]), spoken)
        except (ValueError, IndexError):
            continue
        if spoken:
            cues.append(cue)
    return cues


def transcript_lines(data: bytes) -> list[str]:
    """The spoken text of an SRT or WebVTT transcript, one cue per line, for reading on a web page.

    Cue numbers, timings, the WEBVTT header, NOTE/STYLE blocks and markup tags are left out.

    Args:
        data: the stored transcript.

    Returns:
        The text of each cue, in order.
    """
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    cues: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.split("\n") if line.strip()]
        timing = next((index for index, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        spoken = " ".join(re.sub(r"<[^>]*>", "", line).strip() for line in lines[timing + 1:])
        if spoken:
            cues.append(spoken)
    return cues
