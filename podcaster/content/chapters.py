"""Episode chapters in the Podcast Index JSON format, and from ID3 CHAP frames.

The format (``application/json+chapters``) is an object
``{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"}, ...]}``;
each chapter may also carry ``url``, ``img``, ``endTime`` and ``toc``. Episodes
store the chapters as a plain list; the feed links a JSON file built from it.
"""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate

from .text import binary_size, forbidden_message

CHAPTERS_VERSION = "1.2.0"
CHAPTERS_MIME = "application/json+chapters"
MAX_CHAPTERS_BYTES = 1024 * 1024
MAX_CHAPTERS = 1000
#: The format needs three levels (document, list, chapter); anything far deeper is not chapters.
MAX_JSON_DEPTH = 32
_JSON_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")


class ChaptersError(ValueError):
    """The chapters file is not valid Podcast Index JSON chapters; the message is for the form."""


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count).

    Python's json module recurses once per level, so a deep enough document raises
    RecursionError: this is checked first, in linear time and without recursion.
    """
    brackets = _NOT_BRACKET_RE.sub("", _JSON_STRING_RE.sub("", text))
    return max(accumulate(1 if char in "[{" else -1 for char in brackets), default=0)


def _number(value, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ChaptersError(f"{where}: “{name}” must be a number of seconds (0 or more).")
    return float(value)


def _clean_time(seconds: float) -> int | float:
    """Whole seconds as an int, so the JSON reads 30 rather than 30.0."""
    return int(seconds) if float(seconds).is_integer() else round(seconds, 3)


def parse_chapters(data: bytes) -> list[dict]:
    """Validate an uploaded JSON chapters file and return its chapters.

    Args:
        data: the file's bytes.

    Returns:
        Chapters sorted by start time, each ``{"startTime", "title"}`` plus ``url``,
        ``img``, ``endTime`` and ``toc`` when given.

    Raises:
        ChaptersError: not JSON, not the chapters format, or a chapter without a valid
            start time or title (the message names the chapter).
    """
    if len(data) > MAX_CHAPTERS_BYTES:
        raise ChaptersError(f"The chapters file is larger than {binary_size(MAX_CHAPTERS_BYTES)}.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ChaptersError(f"The chapters file is not valid JSON ({exc}).") from exc
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ChaptersError(f"The chapters file is nested too deeply (more than {MAX_JSON_DEPTH} levels of "
                            "lists and objects); it is not a chapters file.")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ChaptersError(f"The chapters file is not valid JSON ({exc}).") from exc
    if not isinstance(document, dict) or not isinstance(document.get("chapters"), list):
        raise ChaptersError('The chapters file must be a JSON object with a "chapters" list '
                            '(the Podcast Index format: {"version": "1.2.0", "chapters": [...]}).')
    if not isinstance(document.get("version", CHAPTERS_VERSION), str):
        raise ChaptersError('"version" must be a string such as "1.2.0".')
    raw = document["chapters"]
    if not raw:
        raise ChaptersError("The chapters file has no chapters.")
    if len(raw) > MAX_CHAPTERS:
        raise ChaptersError(f"At most {MAX_CHAPTERS} chapters, please.")
    chapters = []
    for number, item in enumerate(raw, start=1):
        where = f"Chapter {number}"
        if not isinstance(item, dict):
            raise ChaptersError(f"{where} is not a JSON object.")
        if "startTime" not in item:
            raise ChaptersError(f"{where} has no “startTime”.")
        chapter: dict = {"startTime": _clean_time(_number(item["startTime"], where, "startTime"))}
        title = item.get("title", "")
        if not isinstance(title, str) or not title.strip():
            raise ChaptersError(f"{where} has no “title”.")
        if message := forbidden_message(title, f"{where}: “title”"):
            raise ChaptersError(message)
        chapter["title"] = title.strip()[:500]
        for key in ("url", "img"):
            value = item.get(key)
            if value is not None:
                if not isinstance(value, str) or not value.startswith(("https://", "http://")):
                    raise ChaptersError(f"{where}: “{key}” must be a web address starting with https://.")
                chapter[key] = value
        if "endTime" in item:
            end = _number(item["endTime"], where, "endTime")
            if end < chapter["startTime"]:
                raise ChaptersError(f"{where} ends before it starts.")
            chapter["endTime"] = _clean_time(end)
        if item.get("toc") is False:
            chapter["toc"] = False
        chapters.append(chapter)
    chapters.sort(key=lambda chapter: chapter["startTime"])
    return chapters


def chapters_from_id3(chapters: list[dict]) -> list[dict]:
    """Normalise chapters read from an MP3's CHAP frames (``audio.probe``) to the stored form.

    Args:
        chapters: dicts with ``startTime`` (seconds), ``title`` and optionally ``url``.

    Returns:
        The chapters sorted by start time; untitled ones are named "Chapter N"; links other
        than http(s) are dropped.
    """
    cleaned = []
    for number, item in enumerate(sorted(chapters, key=lambda c: c.get("startTime", 0)), start=1):
        chapter = {
            "startTime": _clean_time(max(0.0, float(item.get("startTime", 0)))),
            "title": (item.get("title") or "").strip() or f"Chapter {number}",
        }
        url = str(item.get("url") or "").strip()
        # A tag is untrusted input: only web links may become links on the page and in the feed.
        if url.startswith(("https://", "http://")) and not any(c.isspace() for c in url):
            chapter["url"] = url
        cleaned.append(chapter)
    return cleaned


def chapters_document(chapters: list[dict]) -> dict:
    """The Podcast Index JSON document for stored chapters.

    Args:
        chapters: the episode's chapter list.

    Returns:
        ``{"version": "1.2.0", "chapters": [...]}``, ready for ``json.dumps``.
    """
    return {"version": CHAPTERS_VERSION, "chapters": [dict(chapter) for chapter in chapters]}


def chapters_json(chapters: list[dict]) -> bytes:
    """The chapters document as UTF-8 JSON bytes (for storing or serving)."""
    return json.dumps(chapters_document(chapters), ensure_ascii=False, indent=2).encode("utf-8")


#: Rows the chapter editor accepts at once (the same cap as an uploaded file).
MAX_CHAPTER_ROWS = MAX_CHAPTERS
_TIMESTAMP_RE = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:\.\d+)?)$")


class ChapterRowsError(ValueError):
    """Edited chapter rows that cannot be saved; ``problems`` says which row and field, for the form.

    Attributes:
        problems: ``(row number counted from 1, field name, message)`` for each fault found.
    """

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        super().__init__(" ".join(message for _, _, message in problems))
        self.problems = problems


def parse_timestamp(text: str) -> float:
    """Seconds from a time an author types: ``75``, ``1:15``, ``1:02:03`` or ``12:34.5``.

    Raises:
        ValueError: not such a time (minutes and seconds after a colon must be below 60).
    """
    match = _TIMESTAMP_RE.match(text.strip())
    if not match:
        raise ValueError(text)
    hours, minutes, seconds = match.groups()
    if minutes is not None and float(seconds) >= 60 or hours is not None and int(minutes) >= 60:
        raise ValueError(text)
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)


def format_timestamp(seconds: float) -> str:
    """The editor's form of a start time: ``m:ss`` or ``h:mm:ss``, with a fraction only when there is one."""
    whole, fraction = divmod(round(float(seconds), 3), 1)
    hours, rest = divmod(int(whole), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return text + f"{fraction:.3f}".rstrip("0")[1:] if fraction else text


def chapters_from_rows(rows: list[dict[str, str]], duration: float | None) -> list[dict]:
    """Check the chapter editor's rows and turn them into stored chapters, in the order given.

    Args:
        rows: ``{"start", "title", "url", "img"}`` strings as typed; rows left wholly empty are skipped.
        duration: the audio's length in seconds (every chapter must start inside it), or None.

    Returns:
        Chapters ``{"startTime", "title"}`` plus ``url`` and ``img`` when given (may be empty: no chapters).

    Raises:
        ChapterRowsError: every fault found (a missing title or start, a time outside the audio or not
            after the previous chapter's, an address that is not http(s)), each naming its row.
    """
    if len(rows) > MAX_CHAPTER_ROWS:
        raise ChapterRowsError([(MAX_CHAPTER_ROWS + 1, "start",
                                 f"At most {MAX_CHAPTER_ROWS} chapters, please.")])
    problems: list[tuple[int, str, str]] = []
    chapters: list[dict] = []
    previous: float | None = None
    for number, row in enumerate(rows, start=1):
        values = {key: (row.get(key) or "").strip() for key in ("start", "title", "url", "img")}
        if not any(values.values()):
            continue
        where = f"Chapter {number}"
        chapter: dict = {}
        start = None
        if not values["start"]:
            problems.append((number, "start", f"{where} needs a start time (such as 0:00 or 12:34)."))
        else:
            try:
                start = parse_timestamp(values["start"])
            except ValueError:
                problems.append((number, "start", f"{where}: “{values['start']}” is not a time "
                                 "(write seconds, minutes:seconds or hours:minutes:seconds)."))
        if start is not None:
            if duration is not None and start >= duration:
                problems.append((number, "start", f"{where} starts at {format_timestamp(start)}, after the "
                                 f"audio ends ({format_timestamp(duration)})."))
            elif previous is not None and start <= previous:
                problems.append((number, "start", f"{where} starts at {format_timestamp(start)}, not after "
                                 f"the chapter before it ({format_timestamp(previous)}): chapters go in "
                                 "order of time."))
            else:
                previous = start  # a refused time is not what the next chapter must follow
            chapter["startTime"] = _clean_time(start)
        if not values["title"]:
            problems.append((number, "title", f"{where} needs a title."))
        elif message := forbidden_message(values["title"], f"{where}: the title"):
            problems.append((number, "title", message))
        elif len(values["title"]) > 500:
            problems.append((number, "title", f"{where}: at most 500 characters in a title, please."))
        chapter["title"] = values["title"]
        for key, name in (("url", "link"), ("img", "image")):
            value = values[key]
            if not value:
                continue
            if not value.startswith(("https://", "http://")) or any(char.isspace() for char in value) \
                    or len(value) > 2000:
                problems.append((number, key, f"{where}: the {name} must be a web address starting with "
                                 "https://."))
            chapter[key] = value
        chapters.append(chapter)
    if problems:
        raise ChapterRowsError(problems)
    return chapters
