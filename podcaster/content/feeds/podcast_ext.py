"""Our feedgen extension: everything a podcast feed needs that feedgen 1.0 cannot write.

feedgen's own podcast extension stays in use for what it writes correctly
(author, owner, category, type, complete, new-feed-url, duration, season,
episode, episodeType, title). This extension covers its gaps, all in one place:

* ``itunes:explicit``: feedgen only accepts yes/no/clean; Apple now documents
  ``true``/``false`` and the W3C validator rejects yes/no.
* ``itunes:image``: feedgen silently drops any URL not ending in .jpg/.png, so a
  media URL with a query string or another name would vanish without a word.
* channel ``itunes:title``: feedgen has no setter for it. Only for an Apple-specific title that
  differs from ``<title>``: the W3C validator reports an identical one as an error.
* the Podcast Index namespace (podcast:guid, locked, funding, person, medium,
  transcript, chapters, season, episode, soundbite): feedgen has none of it.

Register it with ``fg.register_extension("podcastindex", PodcastIndexExtension,
PodcastIndexEntryExtension, atom=False)``; values are plain strings, numbers and
dicts, so the extension knows nothing about models.
"""
from __future__ import annotations

from collections.abc import Sequence

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"

_ITUNES = f"{{{ITUNES_NS}}}"
_PODCAST = f"{{{PODCAST_NS}}}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {name: value for name, value in attributes.items() if value})
    if text is not None:
        element.text = text
    return element


def _number(value: float) -> str:
    """Seconds as "12" or "12.5", never "12.0"."""
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}".rstrip("0")


def _persons(parent: etree._Element, persons: list[dict]) -> None:
    for person in persons:
        _sub(parent, _PODCAST + "person", person["name"], role=person.get("role", ""),
             group=person.get("group", ""), href=person.get("href", ""), img=person.get("img", ""))


class PodcastIndexExtension(BaseExtension):
    """Channel-level values feedgen lacks (see the module docstring)."""

    def __init__(self) -> None:
        self._values: dict = {}

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS}

    def set(self, *, itunes_title: str = "", explicit: bool = False, image: str = "", guid: str = "",
            locked: bool | None = None, locked_owner: str = "", funding: list[dict] | None = None,
            persons: list[dict] | None = None, medium: str = "podcast", hubs: Sequence[str] = ()) -> None:
        """Set the channel values.

        Args:
            itunes_title: an Apple-specific show title (channel ``itunes:title``); left out when empty
                or equal to the channel ``<title>``.
            explicit: written as ``true``/``false``.
            image: absolute artwork URL, written whatever its ending.
            guid: the podcast:guid (a UUID).
            locked: podcast:locked yes/no; None leaves it out.
            locked_owner: the email allowed to move the feed.
            funding: ``{"url", "label"}`` dicts.
            persons: ``{"name", "role", "href", "img"}`` dicts.
            medium: podcast:medium.
            hubs: WebSub hubs, each an ``atom:link rel="hub"`` (feedgen writes only the self link in RSS).
        """
        self._values = {
            "itunes_title": itunes_title, "explicit": explicit, "image": image, "guid": guid, "locked": locked,
            "locked_owner": locked_owner, "funding": funding or [], "persons": persons or [], "medium": medium,
            "hubs": list(hubs),
        }

    def extend_rss(self, rss_feed: etree._Element) -> etree._Element:
        channel = rss_feed[0]
        values = self._values
        for hub in values.get("hubs", []):
            _sub(channel, f"{{{ATOM_NS}}}link", rel="hub", href=hub)
        if values.get("itunes_title") and values["itunes_title"] != channel.findtext("title"):
            _sub(channel, _ITUNES + "title", values["itunes_title"])
        _sub(channel, _ITUNES + "explicit", "true" if values.get("explicit") else "false")
        if values.get("image"):
            _sub(channel, _ITUNES + "image", href=values["image"])
        if values.get("guid"):
            _sub(channel, _PODCAST + "guid", values["guid"])
        if values.get("locked") is not None:
            _sub(channel, _PODCAST + "locked", "yes" if values["locked"] else "no", owner=values["locked_owner"])
        for link in values.get("funding", []):
            _sub(channel, _PODCAST + "funding", link.get("label") or link["url"], url=link["url"])
        _persons(channel, values.get("persons", []))
        if values.get("medium"):
            _sub(channel, _PODCAST + "medium", values["medium"])
        return rss_feed


class PodcastIndexEntryExtension(BaseEntryExtension):
    """Item-level values feedgen lacks (see the module docstring)."""

    def __init__(self) -> None:
        self._values: dict = {}

    def set(self, *, explicit: bool = False, image: str = "", season: int | None = None,
            episode: int | None = None, transcripts: list[dict] | None = None, chapters: dict | None = None,
            persons: list[dict] | None = None, soundbites: list[dict] | None = None) -> None:
        """Set the item values.

        Args:
            explicit: written as ``true``/``false``.
            image: absolute episode artwork URL, or "".
            season: podcast:season.
            episode: podcast:episode.
            transcripts: ``{"url", "type", "language"?, "rel"?}`` dicts.
            chapters: ``{"url", "type"}`` or None.
            persons: guests, ``{"name", "role", "href", "img"}`` dicts.
            soundbites: ``{"start", "duration", "title"}`` dicts (seconds).
        """
        self._values = {
            "explicit": explicit, "image": image, "season": season, "episode": episode,
            "transcripts": transcripts or [], "chapters": chapters, "persons": persons or [],
            "soundbites": soundbites or [],
        }

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        return self.write(entry, **self._values)

    @staticmethod
    def write(entry: etree._Element, *, explicit: bool = False, image: str = "", season: int | None = None,
              episode: int | None = None, transcripts: list[dict] | None = None, chapters: dict | None = None,
              persons: list[dict] | None = None, soundbites: list[dict] | None = None) -> etree._Element:
        """Write the item values (see ``set``) into ``entry`` directly, without a feedgen entry.

        ``podcast.build_podcast_feed`` writes its items this way: a feedgen entry per item costs more
        than the item's XML.
        """
        values = {"explicit": explicit, "image": image, "season": season, "episode": episode,
                  "transcripts": transcripts or [], "chapters": chapters, "persons": persons or [],
                  "soundbites": soundbites or []}
        _sub(entry, _ITUNES + "explicit", "true" if values.get("explicit") else "false")
        if values.get("image"):
            _sub(entry, _ITUNES + "image", href=values["image"])
        if values.get("season") is not None:
            _sub(entry, _PODCAST + "season", str(values["season"]))
        if values.get("episode") is not None:
            _sub(entry, _PODCAST + "episode", str(values["episode"]))
        for transcript in values.get("transcripts", []):
            _sub(entry, _PODCAST + "transcript", url=transcript["url"], type=transcript["type"],
                 language=transcript.get("language", ""), rel=transcript.get("rel", ""))
        if values.get("chapters"):
            _sub(entry, _PODCAST + "chapters", url=values["chapters"]["url"], type=values["chapters"]["type"])
        _persons(entry, values.get("persons", []))
        for bite in values.get("soundbites", []):
            _sub(entry, _PODCAST + "soundbite", bite.get("title") or None,
                 startTime=_number(bite["start"]), duration=_number(bite["duration"]))
        return entry
