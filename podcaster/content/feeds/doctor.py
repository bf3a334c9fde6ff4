"""The feed doctor: checks a podcast feed against Apple's, Spotify's and the Podcast Index's rules.

Each problem carries a severity (error: a directory refuses or mangles the feed;
warning: it works but should be fixed), a rule id ("apple.image.size"), a
message and where it is (an XPath-like location such as
``/rss/channel/item[3]/enclosure``).

It looks further than the W3C validator: it opens the artwork (square JPEG/PNG,
1400-3000 px, RGB), knows Apple's categories and accepted media types, and
checks the Podcast Index namespace values. For our own feeds it is given a
``local_file`` function mapping our media URLs to files, so it opens the real
artwork and compares each enclosure length with the real file size; for other
feeds it fetches the artwork over HTTP (``fetch``).
"""
from __future__ import annotations

import dataclasses
import email.utils
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from ..artwork import PODCAST_FORMATS, PODCAST_MAX_SIDE, PODCAST_MIN_SIDE, ImageError, inspect_image
from ..categories import is_valid_category
from ..http import FetchError, FetchPolicy, fetch_bytes
from .parsing import FeedParseError, parse_feed
from .podcast_ext import CONTENT_NS, ITUNES_NS, PODCAST_NS

ERROR = "error"
WARNING = "warning"
MAX_DESCRIPTION_BYTES = 4000
MAX_FETCH_BYTES = 20 * 1024 * 1024
FETCH_TIMEOUT = 10.0
ATOM_NS = "http://www.w3.org/2005/Atom"

#: Media Apple Podcasts accepts: MIME type -> file extensions.
APPLE_MEDIA_TYPES: dict[str, set[str]] = {
    "audio/mpeg": {".mp3"},
    "audio/x-m4a": {".m4a"},
    "audio/mp4": {".m4a", ".mp4"},
    "audio/aac": {".m4a", ".aac"},
    "video/mp4": {".mp4"},
    "video/x-m4v": {".m4v"},
    "video/quicktime": {".mov"},
    "application/pdf": {".pdf"},
}
APPLE_MEDIA_EXTENSIONS = {".mp3", ".m4a", ".mp4", ".m4v", ".mov", ".pdf"}
TRANSCRIPT_TYPES = {"text/plain", "text/html", "text/vtt", "application/json", "application/x-subrip",
                    "application/srt"}
CHAPTERS_TYPES = {"application/json+chapters"}
EPISODE_TYPES = {"full", "trailer", "bonus"}
SHOW_TYPES = {"episodic", "serial"}
_DURATION = re.compile(r"^(?:\d+|\d{1,2}:\d{2}|\d+:\d{2}:\d{2})$")
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a feed."""

    severity: str
    rule: str
    message: str
    location: str

    def __str__(self) -> str:
        return f"{self.severity.upper():7} {self.rule:32} {self.location}: {self.message}"


@dataclass
class Report:
    """The doctor's findings on one feed."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def rules(self) -> set[str]:
        return {problem.rule for problem in self.problems}


def fetch(url: str, timeout: float = FETCH_TIMEOUT, limit: int = MAX_FETCH_BYTES,
          policy: FetchPolicy | None = None) -> bytes:
    """GET ``url`` through the safe fetcher (``content.http``) and return at most ``limit`` bytes.

    Args:
        url: an http(s) URL.
        timeout: seconds to connect and for each read; the whole fetch gets six times that.
        limit: the largest body accepted.
        policy: which addresses may be fetched (public ones only by default).

    Raises:
        FetchError: bad scheme, address not allowed or not answering, HTTP error status or too large.
    """
    policy = dataclasses.replace(policy or FetchPolicy(), connect_timeout=timeout, total_timeout=6 * timeout)
    return fetch_bytes(url, limit, policy)


def _tag(element: etree._Element) -> str:
    """``itunes:image`` style name of an element, for locations."""
    qname = etree.QName(element)
    prefix = {ITUNES_NS: "itunes:", PODCAST_NS: "podcast:", ATOM_NS: "atom:", CONTENT_NS: "content:"}.get(
        qname.namespace or "", "")
    return prefix + qname.localname


def _is_absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


class _Checker:
    def __init__(self, local_file: Callable[[str], Path | None] | None,
                 fetch_url: Callable[[str], bytes] | None) -> None:
        self.local_file = local_file
        self.fetch_url = fetch_url
        self.problems: list[Problem] = []

    def add(self, severity: str, rule: str, message: str, location: str) -> None:
        self.problems.append(Problem(severity, rule, message, location))

    # --- helpers -------------------------------------------------------------------------------

    def required_text(self, parent: etree._Element, path: str, rule: str, where: str, name: str) -> str:
        element = parent.find(path, _NAMESPACES)
        if element is None or not _text(element):
            self.add(ERROR, rule, f"<{name}> is required and missing or empty.", f"{where}/{name}")
            return ""
        return _text(element)

    def url_scheme(self, url: str, rule: str, location: str, what: str) -> None:
        if _is_absolute(url) and urlsplit(url).scheme != "https":
            self.add(WARNING, rule, f"{what} should use https (Apple and Spotify fetch over TLS): {url}", location)

    def description(self, parent: etree._Element, where: str, required: bool) -> None:
        element = parent.find("description")
        if element is None or not _text(element):
            if required:
                self.add(ERROR, "rss.description.missing", "<description> is required and missing or empty.",
                         f"{where}/description")
            return
        size = len((element.text or "").encode())
        if size > MAX_DESCRIPTION_BYTES:
            self.add(ERROR, "apple.description.too-long",
                     f"The description is {size} bytes; Apple accepts at most {MAX_DESCRIPTION_BYTES}.",
                     f"{where}/description")

    def explicit(self, parent: etree._Element, where: str, required: bool) -> None:
        element = parent.find("itunes:explicit", _NAMESPACES)
        if element is None:
            if required:
                self.add(ERROR, "apple.explicit.missing", "<itunes:explicit> is required (true or false).",
                         f"{where}/itunes:explicit")
            return
        value = _text(element)
        if value not in ("true", "false"):
            self.add(ERROR, "apple.explicit.value",
                     f"<itunes:explicit> must be true or false, not {value!r}.", f"{where}/itunes:explicit")

    def image(self, element: etree._Element | None, where: str, required: bool) -> None:
        location = f"{where}/itunes:image"
        if element is None:
            if required:
                self.add(ERROR, "apple.image.missing", "<itunes:image> is required (the show artwork).", location)
            return
        href = (element.get("href") or "").strip()
        if not _is_absolute(href):
            self.add(ERROR, "apple.image.url", f"<itunes:image href> must be an absolute http(s) URL: {href!r}.",
                     location)
            return
        self.url_scheme(href, "https.image", location, "The artwork URL")
        if not urlsplit(href).path.lower().endswith((".jpg", ".jpeg", ".png")):
            self.add(ERROR, "apple.image.extension",
                     f"The artwork must be a .jpg or .png file: {href}.", location)
        self.open_image(href, location, full_rules=required)

    def open_image(self, href: str, location: str, full_rules: bool) -> None:
        """Open the artwork itself (a local file for our feeds, else fetched) and apply Apple's rules."""
        path = self.local_file(href) if self.local_file is not None else None
        source: Path | io.BytesIO
        if path is not None:
            if not path.is_file():
                self.add(ERROR, "apple.image.unreachable", f"The artwork file is missing: {href}.", location)
                return
            source = path
        elif self.fetch_url is None:
            return  # neither ours nor fetchable: nothing more to check
        else:
            try:
                source = io.BytesIO(self.fetch_url(href))
            except FetchError as exc:
                self.add(ERROR, "apple.image.unreachable", f"The artwork cannot be fetched: {exc}.", location)
                return
        try:
            info = inspect_image(source)
        except ImageError as exc:
            self.add(ERROR, "apple.image.format", f"The artwork is not a usable image: {exc}", location)
            return
        if info.format not in PODCAST_FORMATS:
            self.add(ERROR, "apple.image.format", f"The artwork is a {info.format}; Apple wants JPEG or PNG.",
                     location)
        if not full_rules:
            return
        if info.width != info.height:
            self.add(ERROR, "apple.image.square", f"The artwork is {info.width}×{info.height}; it must be square.",
                     location)
        if not PODCAST_MIN_SIDE <= max(info.width, info.height) <= PODCAST_MAX_SIDE:
            self.add(ERROR, "apple.image.size",
                     f"The artwork is {info.width}×{info.height}; Apple wants {PODCAST_MIN_SIDE} to "
                     f"{PODCAST_MAX_SIDE} px.", location)
        if info.mode not in ("RGB", "RGBA", "P"):
            self.add(ERROR, "apple.image.colour", f"The artwork uses {info.mode}; Apple wants RGB.", location)

    # --- the feed ------------------------------------------------------------------------------

    def check(self, data: bytes) -> None:
        try:
            parsed = parse_feed(data)
        except FeedParseError as exc:
            self.add(ERROR, "xml.syntax", f"The feed cannot be read: {exc}.", "/")
            return
        for repair in parsed.repairs:  # apps forgive these slips, validators and directories may not
            self.add(ERROR, "xml.syntax", f"The feed is not well-formed XML: {repair}.", "/")
        root = parsed.root
        if root.tag != "rss" or root.get("version") != "2.0":
            self.add(ERROR, "rss.root", f"The root must be <rss version=\"2.0\">, not <{root.tag}>.", "/")
        channel = root.find("channel")
        if channel is None:
            self.add(ERROR, "rss.channel.missing", "The feed has no <channel>.", "/rss")
            return
        self.channel(channel)

    def channel(self, channel: etree._Element) -> None:
        where = "/rss/channel"
        self.required_text(channel, "title", "rss.title.missing", where, "title")
        link = self.required_text(channel, "link", "rss.link.missing", where, "link")
        if link and not _is_absolute(link):
            self.add(ERROR, "rss.link.url", f"<link> must be an absolute URL: {link!r}.", f"{where}/link")
        self.description(channel, where, required=True)
        language = channel.findtext("language")
        if not language or not language.strip():
            self.add(ERROR, "apple.language.missing", "<language> is required (e.g. en, en-gb).", f"{where}/language")
        elif not _LANGUAGE.match(language.strip()):
            self.add(ERROR, "apple.language.value", f"<language> {language!r} is not a language code.",
                     f"{where}/language")
        if channel.find("atom:link[@rel='self']", _NAMESPACES) is None:
            self.add(WARNING, "rss.self-link.missing", "Add <atom:link rel=\"self\"> with the feed's own URL.",
                     f"{where}/atom:link")
        self.image(channel.find("itunes:image", _NAMESPACES), where, required=True)
        self.category(channel, where)
        self.explicit(channel, where, required=True)
        if not _text(channel.find("itunes:author", _NAMESPACES)):
            self.add(WARNING, "apple.author.missing", "<itunes:author> is missing (the show's author).",
                     f"{where}/itunes:author")
        email = _text(channel.find("itunes:owner/itunes:email", _NAMESPACES))
        if not email:
            self.add(ERROR, "apple.owner-email.missing",
                     "<itunes:owner><itunes:email> is required: Apple and Spotify send ownership checks there.",
                     f"{where}/itunes:owner/itunes:email")
        elif not _EMAIL.match(email):
            self.add(ERROR, "apple.owner-email.value", f"{email!r} is not an email address.",
                     f"{where}/itunes:owner/itunes:email")
        show_type = _text(channel.find("itunes:type", _NAMESPACES))
        if show_type and show_type not in SHOW_TYPES:
            self.add(ERROR, "apple.type.value", f"<itunes:type> must be episodic or serial, not {show_type!r}.",
                     f"{where}/itunes:type")
        new_url = channel.find("itunes:new-feed-url", _NAMESPACES)
        if new_url is not None and not _is_absolute(_text(new_url)):
            self.add(ERROR, "apple.new-feed-url.value", "<itunes:new-feed-url> must be an absolute URL.",
                     f"{where}/itunes:new-feed-url")
        self.podcast_namespace(channel, where)
        items = channel.findall("item")
        if not items:
            self.add(WARNING, "rss.items.none", "The feed has no episodes yet; Apple refuses empty feeds.",
                     f"{where}/item")
        seen_guids: dict[str, int] = {}
        seen_enclosures: dict[str, int] = {}
        for index, item in enumerate(items, start=1):
            self.item(item, f"{where}/item[{index}]", index, seen_guids, seen_enclosures, show_type)

    def category(self, channel: etree._Element, where: str) -> None:
        categories = channel.findall("itunes:category", _NAMESPACES)
        location = f"{where}/itunes:category"
        if not categories:
            self.add(ERROR, "apple.category.missing", "<itunes:category> is required.", location)
            return
        for index, category in enumerate(categories, start=1):
            name = category.get("text") or ""
            here = f"{location}[{index}]"
            if not is_valid_category(name):
                self.add(ERROR, "apple.category.unknown", f"{name!r} is not one of Apple's categories.", here)
                continue
            for sub in category.findall("itunes:category", _NAMESPACES):
                sub_name = sub.get("text") or ""
                if not is_valid_category(name, sub_name):
                    self.add(ERROR, "apple.category.subcategory",
                             f"{sub_name!r} is not a subcategory of {name!r} in Apple's list.",
                             f"{here}/itunes:category")

    def podcast_namespace(self, channel: etree._Element, where: str) -> None:
        guid = channel.find("podcast:guid", _NAMESPACES)
        if guid is None:
            self.add(WARNING, "podcastindex.guid.missing",
                     "<podcast:guid> is missing: it identifies the show across moves.", f"{where}/podcast:guid")
        else:
            try:
                uuid.UUID(_text(guid))
            except ValueError:
                self.add(ERROR, "podcastindex.guid.value", f"<podcast:guid> must be a UUID, not {_text(guid)!r}.",
                         f"{where}/podcast:guid")
        locked = channel.find("podcast:locked", _NAMESPACES)
        if locked is not None:
            if _text(locked) not in ("yes", "no"):
                self.add(ERROR, "podcastindex.locked.value",
                         f"<podcast:locked> must be yes or no, not {_text(locked)!r}.", f"{where}/podcast:locked")
            if not locked.get("owner"):
                self.add(WARNING, "podcastindex.locked.owner", "<podcast:locked> should name its owner email.",
                         f"{where}/podcast:locked")
        for index, funding in enumerate(channel.findall("podcast:funding", _NAMESPACES), start=1):
            if not _is_absolute(funding.get("url")):
                self.add(ERROR, "podcastindex.funding.url", "<podcast:funding url> must be an absolute URL.",
                         f"{where}/podcast:funding[{index}]")
        self.persons(channel, where)
        medium = channel.find("podcast:medium", _NAMESPACES)
        if medium is not None and _text(medium) not in {
            "podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher", "course",
            "podcastL", "musicL", "videoL", "filmL", "audiobookL", "newsletterL", "blogL", "publisherL", "courseL",
            "mixed"}:
            self.add(ERROR, "podcastindex.medium.value", f"Unknown <podcast:medium> {_text(medium)!r}.",
                     f"{where}/podcast:medium")

    def persons(self, parent: etree._Element, where: str) -> None:
        for index, person in enumerate(parent.findall("podcast:person", _NAMESPACES), start=1):
            here = f"{where}/podcast:person[{index}]"
            if not _text(person):
                self.add(ERROR, "podcastindex.person.name", "<podcast:person> needs a name.", here)
            for attribute in ("href", "img"):
                value = person.get(attribute)
                if value is not None and not _is_absolute(value):
                    self.add(ERROR, "podcastindex.person.url",
                             f"<podcast:person {attribute}> must be an absolute URL: {value!r}.", here)

    def item(self, item: etree._Element, where: str, index: int, seen_guids: dict[str, int],
             seen_enclosures: dict[str, int], show_type: str) -> None:
        self.required_text(item, "title", "rss.item.title.missing", where, "title")
        guid = _text(item.find("guid"))
        if not guid:
            self.add(ERROR, "rss.item.guid.missing", "Every episode needs a <guid> that never changes.",
                     f"{where}/guid")
        elif guid in seen_guids:
            self.add(ERROR, "rss.item.guid.duplicate",
                     f"The guid {guid!r} is also used by item {seen_guids[guid]}; apps will merge the episodes.",
                     f"{where}/guid")
        else:
            seen_guids[guid] = index
        self.pub_date(item, where)
        self.enclosure(item, where, index, seen_enclosures)
        self.description(item, where, required=False)
        duration = item.find("itunes:duration", _NAMESPACES)
        if duration is None:
            self.add(WARNING, "apple.duration.missing", "<itunes:duration> is missing.", f"{where}/itunes:duration")
        elif not _DURATION.match(_text(duration)):
            self.add(ERROR, "apple.duration.value",
                     f"<itunes:duration> must be seconds or H:MM:SS, not {_text(duration)!r}.",
                     f"{where}/itunes:duration")
        self.explicit(item, where, required=False)
        for name in ("itunes:season", "itunes:episode", "podcast:season", "podcast:episode"):
            element = item.find(name, _NAMESPACES)
            if element is not None and not (_text(element).isdigit() and int(_text(element)) > 0):
                self.add(ERROR, f"{'apple' if name.startswith('itunes') else 'podcastindex'}.number.value",
                         f"<{name}> must be a positive whole number, not {_text(element)!r}.", f"{where}/{name}")
        episode_type = _text(item.find("itunes:episodeType", _NAMESPACES)) or "full"
        if episode_type not in EPISODE_TYPES:
            self.add(ERROR, "apple.episode-type.value",
                     f"<itunes:episodeType> must be full, trailer or bonus, not {episode_type!r}.",
                     f"{where}/itunes:episodeType")
        if show_type == "serial" and episode_type == "full" and item.find("itunes:episode", _NAMESPACES) is None:
            self.add(ERROR, "apple.serial.episode-number",
                     "A serial show numbers every full episode (<itunes:episode>).", f"{where}/itunes:episode")
        image = item.find("itunes:image", _NAMESPACES)
        if image is not None:
            href = image.get("href") or ""
            if not _is_absolute(href) or not urlsplit(href).path.lower().endswith((".jpg", ".jpeg", ".png")):
                self.add(ERROR, "apple.image.extension",
                         f"Episode artwork must be an absolute .jpg or .png URL: {href!r}.", f"{where}/itunes:image")
        for number, transcript in enumerate(item.findall("podcast:transcript", _NAMESPACES), start=1):
            here = f"{where}/podcast:transcript[{number}]"
            if not _is_absolute(transcript.get("url")):
                self.add(ERROR, "podcastindex.transcript.url", "<podcast:transcript url> must be absolute.", here)
            if transcript.get("type") not in TRANSCRIPT_TYPES:
                self.add(ERROR, "podcastindex.transcript.type",
                         f"Transcript type {transcript.get('type')!r} is not one the Podcast Index lists.", here)
        chapters = item.find("podcast:chapters", _NAMESPACES)
        if chapters is not None:
            if not _is_absolute(chapters.get("url")):
                self.add(ERROR, "podcastindex.chapters.url", "<podcast:chapters url> must be absolute.",
                         f"{where}/podcast:chapters")
            if chapters.get("type") not in CHAPTERS_TYPES:
                self.add(ERROR, "podcastindex.chapters.type",
                         f"<podcast:chapters type> must be application/json+chapters, not {chapters.get('type')!r}.",
                         f"{where}/podcast:chapters")
        for number, bite in enumerate(item.findall("podcast:soundbite", _NAMESPACES), start=1):
            try:
                valid = float(bite.get("startTime", "")) >= 0 and float(bite.get("duration", "")) > 0
            except ValueError:
                valid = False
            if not valid:
                self.add(ERROR, "podcastindex.soundbite.value",
                         "<podcast:soundbite> needs startTime >= 0 and duration > 0 (seconds).",
                         f"{where}/podcast:soundbite[{number}]")
        self.persons(item, where)

    def pub_date(self, item: etree._Element, where: str) -> None:
        value = _text(item.find("pubDate"))
        if not value:
            self.add(ERROR, "rss.item.pubdate.missing", "<pubDate> is required.", f"{where}/pubDate")
            return
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or not re.match(r"^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}", value):
            self.add(ERROR, "rss.item.pubdate.format",
                     f"<pubDate> must be an RFC 2822 date (e.g. Wed, 01 Jan 2025 10:00:00 +0000), not {value!r}.",
                     f"{where}/pubDate")

    def enclosure(self, item: etree._Element, where: str, index: int, seen: dict[str, int]) -> None:
        location = f"{where}/enclosure"
        enclosure = item.find("enclosure")
        if enclosure is None:
            self.add(ERROR, "apple.enclosure.missing", "The episode has no <enclosure> (no audio).", location)
            return
        url = (enclosure.get("url") or "").strip()
        if not _is_absolute(url):
            self.add(ERROR, "apple.enclosure.url", f"<enclosure url> must be an absolute http(s) URL: {url!r}.",
                     location)
        else:
            self.url_scheme(url, "https.enclosure", location, "The audio URL")
            if url in seen:
                self.add(WARNING, "rss.enclosure.duplicate", f"Item {seen[url]} uses the same audio file.", location)
            seen.setdefault(url, index)
        mime = (enclosure.get("type") or "").strip()
        extension = Path(urlsplit(url).path).suffix.lower()
        if mime not in APPLE_MEDIA_TYPES:
            self.add(ERROR, "apple.enclosure.type", f"Apple does not accept the media type {mime!r}.", location)
        if extension not in APPLE_MEDIA_EXTENSIONS:
            self.add(ERROR, "apple.enclosure.extension",
                     f"Apple does not accept {extension or 'files without an extension'!r} files "
                     f"(use .mp3, .m4a, .mp4, .m4v, .mov or .pdf).", location)
        elif mime in APPLE_MEDIA_TYPES and extension not in APPLE_MEDIA_TYPES[mime]:
            self.add(WARNING, "apple.enclosure.type-mismatch",
                     f"The type {mime} does not match the {extension} extension.", location)
        length = (enclosure.get("length") or "").strip()
        if not length.isdigit() or int(length) <= 0:
            self.add(ERROR, "apple.enclosure.length",
                     f"<enclosure length> must be the file size in bytes, not {length!r}.", location)
            return
        if self.local_file is not None and _is_absolute(url):
            path = self.local_file(url)
            if path is None:
                return  # not one of our files
            if not path.is_file():
                self.add(ERROR, "local.enclosure.missing", f"The audio file is missing: {url}.", location)
            elif path.stat().st_size != int(length):
                self.add(ERROR, "local.enclosure.length",
                         f"<enclosure length> says {length} bytes; the file has {path.stat().st_size}.", location)


_NAMESPACES = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS, "content": CONTENT_NS}


def check_feed(data: bytes, source: str = "feed", *, local_file: Callable[[str], Path | None] | None = None,
               fetch_url: Callable[[str], bytes] | None = None) -> Report:
    """Check a feed's bytes.

    Args:
        data: the feed.
        source: what to call it in the report.
        local_file: maps a URL to a local file when it is one of ours (None when not ours); given for our
            own feeds, so artwork and audio are opened on disk.
        fetch_url: fetches artwork that is not local (``fetch`` for feeds from the web); None skips it.

    Returns:
        The report.
    """
    checker = _Checker(local_file, fetch_url)
    checker.check(data)
    return Report(source, checker.problems)


def check_url(url: str, timeout: float = FETCH_TIMEOUT, policy: FetchPolicy | None = None) -> Report:
    """Fetch a feed over HTTP and check it (its artwork is fetched too), under the fetch ``policy``."""
    try:
        data = fetch(url, timeout=timeout, policy=policy)
    except FetchError as exc:
        return Report(url, [Problem(ERROR, "fetch.feed", str(exc), "/")])
    return check_feed(data, url, fetch_url=lambda href: fetch(href, timeout=timeout, policy=policy))


def check_file(path: str | Path, fetch_artwork: bool = True, policy: FetchPolicy | None = None) -> Report:
    """Check a feed saved in a file (its artwork is fetched when ``fetch_artwork``, under ``policy``)."""
    data = Path(path).read_bytes()
    return check_feed(data, str(path), fetch_url=(lambda href: fetch(href, policy=policy)) if fetch_artwork
                      else None)
