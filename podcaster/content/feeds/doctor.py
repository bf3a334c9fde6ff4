"""The feed doctor: checks a podcast feed against Apple's, Spotify's and the Podcast Index's rules.

Each problem carries a severity (error: a directory refuses or mangles the feed;
warning: it works but should be fixed, often a legacy value apps still accept,
with the exact fix; info: worth knowing; unchecked: the doctor could not reach
something over the network, which says nothing about the feed), a rule id
("apple.image.size"), a message and where it is (an XPath-like location such as
``/rss/channel/item[3]/enclosure``). The report groups them into one
``Finding`` per rule and message, with the number of items and the first few.

It looks further than the W3C validator: it opens the artwork (square JPEG/PNG,
1400-3000 px, RGB), knows Apple's categories and accepted media types, and
checks the Podcast Index namespace values. For our own feeds it is given a
``local_file`` function mapping our media URLs to files, so it opens the real
artwork and compares each enclosure length with the real file size; for other
feeds it fetches the artwork over HTTP (``fetch``) and asks a small sample of
the enclosures whether they answer, with the same function.
"""
from __future__ import annotations

import dataclasses
import email.utils
import functools
import io
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from ..categories import is_valid_category
from ..http import FetchError, FetchHTTPError, FetchPolicy, FetchTooLarge, fetch_bytes
from ..images import PODCAST_FORMATS, PODCAST_MAX_SIDE, PODCAST_MIN_SIDE, ImageError, inspect_image
from .parsing import FeedParseError, parse_feed
from .podcast_ext import CONTENT_NS, ITUNES_NS, PODCAST_NS

ERROR = "error"
WARNING = "warning"
INFO = "info"
#: Could not be checked (no network, DNS, timeout, refused): never a fault of the feed.
UNCHECKED = "unchecked"
SEVERITIES = (ERROR, WARNING, UNCHECKED, INFO)
#: How many affected items a finding names.
MAX_EXAMPLES = 3
#: Enclosures of a foreign feed asked whether they answer: the first few items and the last one.
PROBE_FIRST, PROBE_LAST = 3, 1
#: Bytes read from an enclosure to see that it answers (the rest is never downloaded).
PROBE_BYTES = 1024
#: A pubDate this far ahead is not clock drift.
FUTURE_SLACK = timedelta(hours=1)
MAX_DESCRIPTION_BYTES = 4000
MAX_FETCH_BYTES = 20 * 1024 * 1024
FETCH_TIMEOUT = 10.0
#: Where the web layer registers ``check_show(show) -> Report`` in ``app.extensions``: one of our own
#: feeds is checked as served, with the links of the app's URL map (``podcaster check-feed <slug>``).
CHECK_SHOW_EXTENSION = "podcaster.check_show"
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
#: Durations as Apple writes them: seconds, M:SS / MM:SS or H:MM:SS / HH:MM:SS (minutes and seconds < 60).
_DURATION = re.compile(r"^(?:\d+|\d{1,2}:[0-5]\d|\d+:[0-5]\d:[0-5]\d)$")
#: What apps still read: decimal seconds, fractions, one-digit or overflowing fields ("75:30", "1:2:3").
_LOOSE_DURATION = re.compile(r"^(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d+)?)$")
#: Legacy ``itunes:explicit`` values apps still read, and what to write instead.
_EXPLICIT_LEGACY = {"yes": "true", "explicit": "true", "no": "false", "clean": "false"}
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    """One occurrence of one thing wrong with a feed (``example`` names the item, and the value when useful)."""

    severity: str
    rule: str
    message: str
    location: str
    example: str = ""

    def __str__(self) -> str:
        return f"{self.severity.upper():9} {self.rule:32} {self.location}: {self.message}"


@dataclass(frozen=True)
class Finding:
    """One rule broken in a feed: how many times, and the first few items it concerns.

    Attributes:
        rule: the rule id, e.g. ``apple.explicit.legacy``.
        severity: ERROR, WARNING, UNCHECKED or INFO.
        message: what is wrong and, for legacy values, the exact fix.
        count: how many places (usually items) break it.
        examples: the first few of them (item titles, with the value when it helps), at most MAX_EXAMPLES.
        where: the location, with item numbers left out when several items are concerned.
    """

    rule: str
    severity: str
    message: str
    count: int = 1
    examples: tuple[str, ...] = ()
    where: str = ""

    def __str__(self) -> str:
        line = f"{self.severity.upper():9} {self.rule:32} {self.where}: {self.message}"
        shown = "; ".join(self.examples) + ("; …" if self.count > len(self.examples) else "")
        if self.count > 1:
            line += f" ({self.count} items: {shown})" if self.examples else f" ({self.count} times)"
        elif self.examples:
            line += f" ({shown})"
        return line


def group(problems: list[Problem]) -> list[Finding]:
    """One Finding per rule, message and place (items counted together), errors first, in the feed's order."""
    groups: dict[tuple[str, str, str, str], list[Problem]] = {}
    for problem in problems:
        # Item 3's enclosure and item 7's are one place for this purpose; the channel's tag is another.
        place = re.sub(r"\[\d+\]", "", problem.location)
        groups.setdefault((problem.severity, problem.rule, problem.message, place), []).append(problem)
    findings = []
    for (severity, rule, message, place), members in groups.items():
        examples = list(dict.fromkeys(member.example for member in members if member.example))
        where = members[0].location if len(members) == 1 else place
        findings.append(Finding(rule, severity, message, len(members), tuple(examples[:MAX_EXAMPLES]), where))
    order = {severity: index for index, severity in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda finding: order.get(finding.severity, len(order)))


@dataclass
class Report:
    """The doctor's findings on one feed.

    ``problems`` holds every occurrence; ``findings`` and the per-severity lists group them by rule, so a
    12-episode feed with the same slip in every item counts one error, not 12.
    """

    source: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return group(self.problems)

    def _of(self, severity: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == severity]

    @property
    def errors(self) -> list[Finding]:
        return self._of(ERROR)

    @property
    def warnings(self) -> list[Finding]:
        return self._of(WARNING)

    @property
    def unchecked(self) -> list[Finding]:
        """What could not be checked (network): kept apart, never counted as an error."""
        return self._of(UNCHECKED)

    @property
    def notes(self) -> list[Finding]:
        return self._of(INFO)

    @property
    def ok(self) -> bool:
        return not self.errors

    def rules(self) -> set[str]:
        return {problem.rule for problem in self.problems}

    def summary(self) -> str:
        """``3 error(s), 1 warning(s), 2 not checked``: counts of findings, not of items."""
        return (f"{len(self.errors)} error(s), {len(self.warnings)} warning(s), "
                f"{len(self.unchecked)} not checked (network)")


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


# --- what came of asking a server ---------------------------------------------------------------

#: The server answered (with the bytes, or with more than was asked for).
ANSWERED = "answered"
#: The server answered with an error status (404, 500...): the feed points at something broken.
HTTP_FAILED = "http-failed"
#: The server sent more than the limit: too big for artwork, fine for an enclosure probe.
TOO_LARGE = "too-large"
#: Nothing answered (DNS, refused, timeout, no network, an address the fetcher will not reach).
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Outcome:
    """What came of fetching one URL, as a value the rules receive.

    Attributes:
        kind: ANSWERED, HTTP_FAILED, TOO_LARGE or UNREACHABLE.
        data: the bytes, when ANSWERED.
        reason: the fetcher's message otherwise.
    """

    kind: str
    data: bytes = b""
    reason: str = ""


def outcome_of(error: Exception) -> Outcome:
    """Sort a fetch failure into the feed's fault (an HTTP error status, too large) or no answer at all."""
    if isinstance(error, FetchHTTPError):
        return Outcome(HTTP_FAILED, reason=str(error))
    if isinstance(error, FetchTooLarge):
        return Outcome(TOO_LARGE, reason=str(error))
    return Outcome(UNREACHABLE, reason=str(error))


def reach(fetch_url: Callable[..., bytes], url: str, **options) -> Outcome:
    """Call ``fetch_url(url, **options)`` and say what came of it, never raising for a network failure."""
    try:
        return Outcome(ANSWERED, fetch_url(url, **options))
    except FetchError as exc:
        return outcome_of(exc)
    except OSError as exc:  # a fetcher that lets a socket error through: still no answer
        return Outcome(UNREACHABLE, reason=str(exc))


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


def _duration_fix(value: str) -> str | None:
    """Whole seconds for a duration apps read but Apple does not list ("1234.5", "75:30", "1:2:3"), else None."""
    match = _LOOSE_DURATION.match(value)
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    try:
        total = Decimal(seconds) + 60 * int(minutes or 0) + 3600 * int(hours or 0)
    except InvalidOperation:
        return None
    return str(int(total.to_integral_value(ROUND_HALF_UP)))


def _label(item: etree._Element, index: int) -> str:
    """How an item is named in a finding's examples: its title (shortened), else its position."""
    title = _text(item.find("title"))
    if not title:
        return f"item {index}"
    return f"“{title[:57]}…”" if len(title) > 60 else f"“{title}”"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Checker:
    def __init__(self, local_file: Callable[[str], Path | None] | None,
                 fetch_url: Callable[..., bytes] | None, now: datetime, feed_is_https: bool) -> None:
        self.local_file = local_file
        self.fetch_url = fetch_url
        self.now = _utc(now)
        self.feed_is_https = feed_is_https
        self.problems: list[Problem] = []
        self.item_label = ""  # the item being checked, for examples

    def add(self, severity: str, rule: str, message: str, location: str, detail: str = "") -> None:
        """Record a problem; ``detail`` (the offending value) goes with the item's name into the example."""
        if self.item_label:
            example = f"{self.item_label} ({detail})" if detail else self.item_label
        else:
            example = detail
        self.problems.append(Problem(severity, rule, message, location, example))

    # --- helpers -------------------------------------------------------------------------------

    def required_text(self, parent: etree._Element, path: str, rule: str, where: str, name: str) -> str:
        element = parent.find(path, _NAMESPACES)
        if element is None or not _text(element):
            self.add(ERROR, rule, f"<{name}> is required and missing or empty.", f"{where}/{name}")
            return ""
        return _text(element)

    def url_scheme(self, url: str, rule: str, location: str, what: str) -> None:
        if _is_absolute(url) and urlsplit(url).scheme != "https":
            self.add(WARNING, rule, f"{what} should use https (Apple and Spotify fetch over TLS).", location, url)

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
                     f"The description is longer than Apple accepts ({MAX_DESCRIPTION_BYTES} bytes).",
                     f"{where}/description", f"{size} bytes")

    def explicit(self, parent: etree._Element, where: str, required: bool) -> None:
        element = parent.find("itunes:explicit", _NAMESPACES)
        if element is None:
            if required:
                self.add(ERROR, "apple.explicit.missing", "<itunes:explicit> is required (true or false).",
                         f"{where}/itunes:explicit")
            return
        value = _text(element)
        if value in ("true", "false"):
            return
        fix = _EXPLICIT_LEGACY.get(value.lower()) or (value.lower() if value.lower() in ("true", "false") else None)
        if fix is not None:
            # Apple's guide lists only true/false; apps still read the old values, so this is not fatal.
            self.add(WARNING, "apple.explicit.legacy",
                     f"<itunes:explicit> {value!r} is a legacy value apps still accept: use `{fix}` instead of "
                     f"`{value}`.", f"{where}/itunes:explicit")
        else:
            self.add(ERROR, "apple.explicit.value", "<itunes:explicit> must be true or false.",
                     f"{where}/itunes:explicit", repr(value))

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
            outcome = reach(self.fetch_url, href)
            if outcome.kind == UNREACHABLE:
                self.add(UNCHECKED, "apple.image.unchecked",
                         f"Could not reach the artwork to check it ({outcome.reason}); this is not a fault "
                         "of the feed.", location)
                return
            if outcome.kind != ANSWERED:
                self.add(ERROR, "apple.image.unreachable", f"The artwork cannot be fetched: {outcome.reason}.",
                         location)
                return
            source = io.BytesIO(outcome.data)
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
        title = self.required_text(channel, "title", "rss.title.missing", where, "title")
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
        self_link = channel.find("atom:link[@rel='self']", _NAMESPACES)
        if self_link is None:
            self.add(WARNING, "rss.self-link.missing", "Add <atom:link rel=\"self\"> with the feed's own URL.",
                     f"{where}/atom:link")
        elif urlsplit(self_link.get("href") or "").scheme == "https":
            self.feed_is_https = True
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
        self.w3c_unknown(channel, where, title)
        self.podcast_namespace(channel, where)
        items = channel.findall("item")
        if not items:
            self.add(ERROR, "rss.items.none", "The feed has no episodes; Apple refuses empty feeds.",
                     f"{where}/item")
        seen_guids: dict[str, int] = {}
        seen_enclosures: dict[str, int] = {}
        seen_numbers: dict[tuple[str, str], int] = {}
        for index, item in enumerate(items, start=1):
            self.item_label = _label(item, index)
            self.item(item, f"{where}/item[{index}]", index, seen_guids, seen_enclosures, show_type)
            self.numbers(item, f"{where}/item[{index}]", index, seen_numbers, show_type)
        self.item_label = ""
        self.probe_enclosures(items, where)

    def w3c_unknown(self, channel: etree._Element, where: str, title: str) -> None:
        """Tags Apple reads that the W3C Feed Validator does not know, so its errors about them can be ignored."""
        complete = channel.find("itunes:complete", _NAMESPACES)
        if complete is not None:
            if _text(complete).lower() != "yes":
                self.add(WARNING, "apple.complete.value",
                         f"<itunes:complete> only means something as `Yes` (the show is finished); drop it "
                         f"instead of writing {_text(complete)!r}.", f"{where}/itunes:complete")
            self.add(INFO, "w3c.itunes-complete",
                     "The W3C Feed Validator does not know <itunes:complete> and reports it; Apple reads it, "
                     "so keep it if the show is finished.", f"{where}/itunes:complete")
        itunes_title = channel.find("itunes:title", _NAMESPACES)
        if itunes_title is not None:
            same = _text(itunes_title) == title
            self.add(INFO, "w3c.itunes-title",
                     "The W3C Feed Validator does not know the channel <itunes:title> and reports it; Apple reads "
                     "it. " + ("It repeats <title>, so it can go." if same else
                               "Keep it only for an Apple-specific title."), f"{where}/itunes:title")

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
                             f"<podcast:person {attribute}> must be an absolute URL.", here, repr(value))

    def item(self, item: etree._Element, where: str, index: int, seen_guids: dict[str, int],
             seen_enclosures: dict[str, int], show_type: str) -> None:
        self.required_text(item, "title", "rss.item.title.missing", where, "title")
        guid = _text(item.find("guid"))
        if not guid:
            self.add(ERROR, "rss.item.guid.missing", "Every episode needs a <guid> that never changes.",
                     f"{where}/guid")
        elif guid in seen_guids:
            self.add(ERROR, "rss.item.guid.duplicate", "Two episodes share a guid; apps will merge them.",
                     f"{where}/guid", f"guid {guid!r}, also item {seen_guids[guid]}")
        else:
            seen_guids[guid] = index
        self.pub_date(item, where)
        self.enclosure(item, where, index, seen_enclosures)
        self.description(item, where, required=False)
        self.duration(item, where)
        self.explicit(item, where, required=False)
        episode_type = _text(item.find("itunes:episodeType", _NAMESPACES)) or "full"
        if episode_type not in EPISODE_TYPES:
            self.add(ERROR, "apple.episode-type.value", "<itunes:episodeType> must be full, trailer or bonus.",
                     f"{where}/itunes:episodeType", repr(episode_type))
        if show_type == "serial" and episode_type == "full" and item.find("itunes:episode", _NAMESPACES) is None:
            self.add(ERROR, "apple.serial.episode-number",
                     "A serial show numbers every full episode (<itunes:episode>).", f"{where}/itunes:episode")
        image = item.find("itunes:image", _NAMESPACES)
        if image is not None:
            href = image.get("href") or ""
            if not _is_absolute(href) or not urlsplit(href).path.lower().endswith((".jpg", ".jpeg", ".png")):
                self.add(ERROR, "apple.image.extension", "Episode artwork must be an absolute .jpg or .png URL.",
                         f"{where}/itunes:image", repr(href))
        for number, transcript in enumerate(item.findall("podcast:transcript", _NAMESPACES), start=1):
            here = f"{where}/podcast:transcript[{number}]"
            if not _is_absolute(transcript.get("url")):
                self.add(ERROR, "podcastindex.transcript.url", "<podcast:transcript url> must be absolute.", here)
            if transcript.get("type") not in TRANSCRIPT_TYPES:
                self.add(ERROR, "podcastindex.transcript.type",
                         "The transcript type is not one the Podcast Index lists.", here,
                         repr(transcript.get("type")))
        chapters = item.find("podcast:chapters", _NAMESPACES)
        if chapters is not None:
            if not _is_absolute(chapters.get("url")):
                self.add(ERROR, "podcastindex.chapters.url", "<podcast:chapters url> must be absolute.",
                         f"{where}/podcast:chapters")
            if chapters.get("type") not in CHAPTERS_TYPES:
                self.add(ERROR, "podcastindex.chapters.type",
                         "<podcast:chapters type> must be application/json+chapters.",
                         f"{where}/podcast:chapters", repr(chapters.get("type")))
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

    def duration(self, item: etree._Element, where: str) -> None:
        element = item.find("itunes:duration", _NAMESPACES)
        location = f"{where}/itunes:duration"
        if element is None:
            self.add(WARNING, "apple.duration.missing", "<itunes:duration> is missing.", location)
            return
        value = _text(element)
        if _DURATION.match(value):
            return
        fix = _duration_fix(value)
        if fix is None:
            self.add(ERROR, "apple.duration.value", "<itunes:duration> must be seconds or H:MM:SS.", location,
                     repr(value))
        else:
            self.add(WARNING, "apple.duration.legacy",
                     "<itunes:duration> is in a form apps read but Apple does not list (decimal seconds, one-digit "
                     "or overflowing fields): write whole seconds.", location, f"use `{fix}` instead of `{value}`")

    def numbers(self, item: etree._Element, where: str, index: int, seen: dict[tuple[str, str], int],
                show_type: str) -> None:
        """Season and episode numbers: positive whole numbers, and each (season, episode) pair used once."""
        valid: dict[str, str] = {}
        for name in ("itunes:season", "itunes:episode", "podcast:season", "podcast:episode"):
            element = item.find(name, _NAMESPACES)
            if element is None:
                continue
            value = _text(element)
            # The Podcast Index allows a decimal podcast:episode (315.5); the others are whole numbers.
            pattern = r"\d+(?:\.\d+)?" if name == "podcast:episode" else r"\d+"
            if re.fullmatch(pattern, value) and Decimal(value) > 0:
                valid[name] = format(Decimal(value).normalize(), "f")
            else:
                self.add(ERROR, f"{'apple' if name.startswith('itunes') else 'podcastindex'}.number.value",
                         f"<{name}> must be a positive whole number (1 or more).", f"{where}/{name}", repr(value))
        episode = valid.get("itunes:episode") or valid.get("podcast:episode")
        episode_type = _text(item.find("itunes:episodeType", _NAMESPACES)) or "full"
        if episode is None or episode_type != "full":
            return  # trailers and bonus episodes may share the number of the episode they go with
        key = (valid.get("itunes:season") or valid.get("podcast:season") or "", episode)
        if key in seen:
            # A serial show is ordered by these numbers, so there the clash misplaces episodes.
            self.add(ERROR if show_type == "serial" else WARNING, "apple.number.duplicate",
                     "Two full episodes have the same season and episode number.", f"{where}/itunes:episode",
                     f"season {key[0] or '(none)'} episode {key[1]}, also item {seen[key]}")
        else:
            seen[key] = index

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
                     "<pubDate> must be an RFC 2822 date (e.g. Wed, 01 Jan 2025 10:00:00 +0000).",
                     f"{where}/pubDate", repr(value))
            return
        if _utc(parsed) > self.now + FUTURE_SLACK:
            self.add(WARNING, "rss.item.pubdate.future",
                     "<pubDate> is in the future: apps show the episode now with a date to come, or hide it.",
                     f"{where}/pubDate", value)

    def enclosure(self, item: etree._Element, where: str, index: int, seen: dict[str, int]) -> None:
        location = f"{where}/enclosure"
        enclosure = item.find("enclosure")
        if enclosure is None:
            self.add(ERROR, "apple.enclosure.missing", "The episode has no <enclosure> (no audio).", location)
            return
        url = (enclosure.get("url") or "").strip()
        if not _is_absolute(url):
            self.add(ERROR, "apple.enclosure.url", "<enclosure url> must be an absolute http(s) URL.", location,
                     repr(url))
        else:
            if urlsplit(url).scheme != "https" and self.feed_is_https:
                self.add(ERROR, "apple.enclosure.https",
                         "The feed is served over https but the audio is http: Apple refuses mixed content.",
                         location, url)
            else:
                self.url_scheme(url, "https.enclosure", location, "The audio URL")
            if url in seen:
                self.add(WARNING, "rss.enclosure.duplicate", "Two episodes use the same audio file.", location,
                         f"also item {seen[url]}")
            seen.setdefault(url, index)
        mime = (enclosure.get("type") or "").strip()
        extension = Path(urlsplit(url).path).suffix.lower()
        if mime not in APPLE_MEDIA_TYPES:
            self.add(ERROR, "apple.enclosure.type", "Apple does not accept this media type.", location, repr(mime))
        if extension not in APPLE_MEDIA_EXTENSIONS:
            self.add(ERROR, "apple.enclosure.extension",
                     "Apple does not accept this kind of file (use .mp3, .m4a, .mp4, .m4v, .mov or .pdf).",
                     location, repr(extension or "no extension"))
        elif mime in APPLE_MEDIA_TYPES and extension not in APPLE_MEDIA_TYPES[mime]:
            self.add(WARNING, "apple.enclosure.type-mismatch", "The media type does not match the extension.",
                     location, f"{mime} for {extension}")
        length = (enclosure.get("length") or "").strip()
        if not length.isdigit() or int(length) <= 0:
            self.add(ERROR, "apple.enclosure.length", "<enclosure length> must be the file size in bytes.",
                     location, repr(length))
            return
        if self.local_file is not None and _is_absolute(url):
            path = self.local_file(url)
            if path is None:
                return  # not one of our files
            if not path.is_file():
                self.add(ERROR, "local.enclosure.missing", "The audio file is missing.", location, url)
            elif path.stat().st_size != int(length):
                self.add(ERROR, "local.enclosure.length",
                         "<enclosure length> differs from the size of the file.", location,
                         f"says {length}, the file has {path.stat().st_size}")

    def probe_enclosures(self, items: list[etree._Element], where: str) -> None:
        """Ask a few foreign enclosures (the first items and the last) whether they answer.

        Only a bounded sample, each read for PROBE_BYTES at most, so checking a 500-episode feed stays cheap;
        our own files are checked on disk instead.
        """
        if self.fetch_url is None:
            return
        chosen = sorted(set(range(min(PROBE_FIRST, len(items))))
                        | set(range(max(len(items) - PROBE_LAST, 0), len(items))))
        sample: dict[str, tuple[int, str]] = {}
        for index in chosen:
            enclosure = items[index].find("enclosure")
            url = (enclosure.get("url") or "").strip() if enclosure is not None else ""
            if not _is_absolute(url) or url in sample:
                continue
            if self.local_file is not None and self.local_file(url) is not None:
                continue
            sample[url] = (index + 1, _label(items[index], index + 1))
        if not sample:
            return
        with ThreadPoolExecutor(max_workers=len(sample)) as pool:
            outcomes = dict(zip(sample, pool.map(lambda url: reach(self.fetch_url, url, limit=PROBE_BYTES),
                                                 sample)))
        for url, outcome in outcomes.items():
            index, self.item_label = sample[url]
            location = f"{where}/item[{index}]/enclosure"
            if outcome.kind == UNREACHABLE:
                self.add(UNCHECKED, "enclosure.unchecked",
                         "Could not reach the audio to check that it answers; this is not a fault of the feed.",
                         location, outcome.reason)
            elif outcome.kind == HTTP_FAILED:
                self.add(ERROR, "enclosure.unreachable",
                         "The audio URL answers with an error: apps cannot play the episode.", location,
                         outcome.reason)
        self.item_label = ""


_NAMESPACES = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS, "content": CONTENT_NS}


def check_feed(data: bytes, source: str = "feed", *, local_file: Callable[[str], Path | None] | None = None,
               fetch_url: Callable[..., bytes] | None = None, now: datetime | None = None) -> Report:
    """Check a feed's bytes.

    Args:
        data: the feed.
        source: what to call it in the report (its URL when it came from the web: an https URL makes http
            enclosures an error).
        local_file: maps a URL to a local file when it is one of ours (None when not ours); given for our
            own feeds, so artwork and audio are opened on disk.
        fetch_url: fetches what is not local, called as ``fetch_url(url)`` for artwork and
            ``fetch_url(url, limit=PROBE_BYTES)`` to see that a sample of enclosures answer (``fetch`` for feeds
            from the web); a FetchError from it is sorted by ``outcome_of`` into the feed's fault or "could not
            check". None skips both.
        now: the present, for pubDates in the future (default: the clock).

    Returns:
        The report.
    """
    checker = _Checker(local_file, fetch_url, now or datetime.now(UTC),
                       feed_is_https=urlsplit(source).scheme == "https")
    checker.check(data)
    return Report(source, checker.problems)


def check_url(url: str, timeout: float = FETCH_TIMEOUT, policy: FetchPolicy | None = None) -> Report:
    """Fetch a feed over HTTP and check it (its artwork and a sample of its enclosures are fetched too),
    under the fetch ``policy``."""
    try:
        data = fetch(url, timeout=timeout, policy=policy)
    except FetchError as exc:
        severity = UNCHECKED if outcome_of(exc).kind == UNREACHABLE else ERROR
        return Report(url, [Problem(severity, "fetch.feed", str(exc), "/")])
    return check_feed(data, url, fetch_url=functools.partial(fetch, timeout=timeout, policy=policy))


def check_file(path: str | Path, fetch_artwork: bool = True, policy: FetchPolicy | None = None) -> Report:
    """Check a feed saved in a file (its artwork and a sample of enclosures are fetched when ``fetch_artwork``,
    under ``policy``)."""
    data = Path(path).read_bytes()
    return check_feed(data, str(path), fetch_url=functools.partial(fetch, policy=policy) if fetch_artwork
                      else None)
