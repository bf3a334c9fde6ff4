"""Reading YouTube links: every common form of a video URL comes down to its 11-character id.

Accepted: ``youtube.com/watch?v=ID`` (also on m., music. and gaming. hosts, with any
other query parameters such as ``t=`` or ``si=``), ``youtu.be/ID``, ``/shorts/ID``,
``/embed/ID``, ``/live/ID``, ``/v/ID``, the same on youtube-nocookie.com, links without a
scheme, and a bare id. Playlists, channels and other hosts are refused with a message
saying what was expected.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

VIDEO_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {
    "youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "gaming.youtube.com",
    "youtube-nocookie.com", "www.youtube-nocookie.com",
}
_SHORT_HOSTS = {"youtu.be", "www.youtu.be"}
#: Path prefixes followed by the video id.
_ID_PATHS = ("shorts", "embed", "live", "v", "e")


class YouTubeURLError(ValueError):
    """The text is not a link to one YouTube video; the message says why, for the form."""


def parse_video_id(text: str) -> str:
    """Extract the video id from a YouTube link (or a bare id).

    Args:
        text: what the author pasted.

    Returns:
        The 11-character video id.

    Raises:
        YouTubeURLError: not a YouTube video link.
    """
    candidate = (text or "").strip()
    if not candidate:
        raise YouTubeURLError("Paste the link of a YouTube video.")
    if VIDEO_ID_RE.match(candidate):
        return candidate
    if "://" not in candidate:
        candidate = "https://" + candidate.lstrip("/")
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise YouTubeURLError(f"{text.strip()!r} is not a valid link.") from exc
    if parts.scheme not in ("http", "https"):
        raise YouTubeURLError("A YouTube link starts with https://.")
    segments = [segment for segment in parts.path.split("/") if segment]
    video_id = None
    if host in _SHORT_HOSTS:
        video_id = segments[0] if segments else None
    elif host in _YOUTUBE_HOSTS:
        if segments[:1] == ["watch"] or (not segments and "v" in parse_qs(parts.query)):
            video_id = (parse_qs(parts.query).get("v") or [None])[0]
        elif len(segments) >= 2 and segments[0] in _ID_PATHS:
            video_id = segments[1]
        elif segments[:1] == ["playlist"]:
            raise YouTubeURLError("That is a playlist; paste the link of one video.")
        else:
            raise YouTubeURLError(
                "That YouTube link does not point to a video (expected youtube.com/watch?v=…, "
                "youtu.be/…, /shorts/… or /embed/…)."
            )
    else:
        raise YouTubeURLError(
            f"{host or text.strip()!r} is not YouTube; paste a youtube.com or youtu.be video link."
        )
    if not video_id or not VIDEO_ID_RE.match(video_id):
        raise YouTubeURLError("The video id in that link is missing or malformed (it has 11 characters).")
    return video_id


def watch_url(video_id: str) -> str:
    """The canonical link to watch a video on YouTube."""
    return f"https://www.youtube.com/watch?v={video_id}"
