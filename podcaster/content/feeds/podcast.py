"""The podcast RSS feed of a show: the channel built with feedgen and our extension, the items with lxml.

Content code: it takes the show, the episodes to list and a ``FeedLinks`` of
absolute URLs (made by the web layer from SITE_URL), and returns bytes. Which
episodes are public, and caching, are decided by the caller (see ``cache``).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from lxml import etree

from ...models import Author, Episode, MediaFile, Show
from ..markup import plain_text, render_markdown, safe_plain
from .loading import EpisodeRow, MediaRef
from .podcast_ext import (CONTENT_NS, ITUNES_NS, PODCAST_NS, PodcastIndexEntryExtension,
                          PodcastIndexExtension)

#: Apple cuts descriptions at 4000 bytes; the doctor checks the same limit.
MAX_DESCRIPTION_BYTES = 4000
#: podcast:transcript types by the MIME type our transcript files are stored with.
TRANSCRIPT_TYPES = {"text/vtt": "text/vtt", "application/x-subrip": "application/x-subrip",
                    "application/srt": "application/x-subrip", "text/srt": "application/x-subrip"}
CHAPTERS_TYPE = "application/json+chapters"
#: Enclosure types as Apple's podcast feed guide lists them: audio/mpeg for MP3 and audio/x-m4a
#: for M4A. M4A files are stored as audio/mp4 (their IANA type, what the probe reports), but Apple
#: names audio/x-m4a and some apps match the type literally; every browser plays either, so the
#: feed, and the media route's Content-Type, use Apple's. Other types pass through unchanged.
ENCLOSURE_TYPES = {"audio/mp4": "audio/x-m4a", "audio/m4a": "audio/x-m4a", "audio/mp4a-latm": "audio/x-m4a",
                   "audio/mp3": "audio/mpeg", "audio/x-mp3": "audio/mpeg", "audio/mpeg3": "audio/mpeg"}
#: The builder reads models or the plain rows ``loading`` makes (same attribute names).
EpisodeLike = Episode | EpisodeRow
MediaLike = MediaFile | MediaRef


@dataclass(frozen=True)
class FeedLinks:
    """Absolute URLs the feed points at, made by the web layer.

    Attributes:
        feed_url: this feed (atom:link rel=self).
        show_page: the show's public page (the channel link).
        episode_page: the public page of an episode.
        media: the public URL of a stored file.
        author_page: an author's profile page, or None when there is none.
        chapters: the JSON chapters document made from an episode's chapter list (chapters read
            from its MP3's ID3 frames, with no uploaded file), or None when there is none.
        hubs: the WebSub hubs the feed names (``atom:link rel="hub"``), which it pings on change.
    """

    feed_url: str
    show_page: str
    episode_page: Callable[[EpisodeLike], str]
    media: Callable[[MediaLike], str]
    author_page: Callable[[Author], str | None]
    chapters: Callable[[EpisodeLike], str | None] = lambda episode: None
    hubs: tuple[str, ...] = ()


def aware(moment: datetime) -> datetime:
    """A stored naive UTC time as an aware one (feedgen refuses naive datetimes)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def cut_to_bytes(text: str, limit: int = MAX_DESCRIPTION_BYTES) -> str:
    """Shorten ``text`` to at most ``limit`` UTF-8 bytes, at a word boundary, with an ellipsis."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - 3].decode(errors="ignore")
    return cut.rsplit(" ", 1)[0].rstrip(",.;:") + "…"


# A rebuild after one edit renders the same notes again for every other episode:
# remembering recent renderings keeps a rebuild close to the cost of writing the XML.
@functools.lru_cache(maxsize=8192)
def _notes_html(markdown: str) -> str:
    return render_markdown(markdown)


@functools.lru_cache(maxsize=8192)
def _notes_text(markdown: str) -> str:
    return cut_to_bytes(plain_text(markdown))


def ordered_episodes(show_type: str, episodes: Sequence[EpisodeLike]) -> list[tuple[EpisodeLike, int | None]]:
    """Order episodes for the feed and give each the number it carries.

    Episodic shows list the newest first. Serial shows are listed in story order
    (season, then publication; episodes without a season come after every season,
    as extras rather than a prologue) and Apple wants every full episode numbered:
    a full episode without a number gets the one after its predecessor's.

    Args:
        show_type: "episodic" or "serial".
        episodes: the public episodes.

    Returns:
        ``(episode, number)`` pairs in feed order.
    """
    if show_type != "serial":
        ordered = sorted(episodes, key=lambda e: (e.publish_at, e.id), reverse=True)
        return [(episode, episode.number) for episode in ordered]
    ordered = sorted(episodes, key=lambda e: (e.season is None, e.season or 0, e.publish_at, e.id))
    numbered: list[tuple[EpisodeLike, int | None]] = []
    last: dict[int, int] = {}
    for episode in ordered:
        season = episode.season or 0
        number = episode.number
        if number is None and episode.episode_type == "full":
            number = last.get(season, 0) + 1
        if number is not None and episode.episode_type == "full":
            last[season] = number
        numbered.append((episode, number))
    return numbered


def enclosure_type(mime_type: str) -> str:
    """The type to declare (and serve) for audio stored as ``mime_type`` (see ``ENCLOSURE_TYPES``)."""
    return ENCLOSURE_TYPES.get(mime_type.lower(), mime_type)


def enclosure_of(episode: EpisodeLike, links: FeedLinks) -> tuple[str, int, str] | None:
    """The enclosure (url, length, type) of an episode, or None when it has no audio."""
    if episode.audio is not None:
        return links.media(episode.audio), episode.audio.size, enclosure_type(episode.audio.mime_type)
    if episode.remote_audio_url:
        # Imported enclosures whose old host never said their length keep 0 (as that host's feed
        # did) rather than vanishing from the feed; the feed doctor flags them.
        return (episode.remote_audio_url, episode.remote_audio_size or 0,
                enclosure_type(episode.remote_audio_type or "audio/mpeg"))
    return None


def _image_url(media: MediaLike | None, links: FeedLinks) -> str:
    return links.media(media.variant_or_self("feed")) if media is not None else ""


def _person(name: str, role: str, href: str | None, img: str | None) -> dict:
    return {"name": name, "role": role or "host", "href": href or "", "img": img or ""}


def last_change(show: Show, episodes: Sequence[EpisodeLike]) -> datetime:
    """The feed's lastBuildDate: its newest content change, so identical content gives identical bytes."""
    moments = [show.updated_at or show.created_at]
    for episode in episodes:
        moments.extend(moment for moment in (episode.updated_at, episode.publish_at) if moment)
    return max(moment for moment in moments if moment)


def build_podcast_feed(show: Show, episodes: Sequence[EpisodeLike], links: FeedLinks) -> bytes:
    """Write a show's RSS feed.

    Args:
        show: the show, with its artwork and credits loaded (or loadable).
        episodes: the episodes that are public now (models or ``loading.EpisodeRow``); those without
            audio are left out.
        links: the absolute URLs to use.

    Returns:
        The feed as UTF-8 XML bytes.
    """
    fg = FeedGenerator()
    fg.load_extension("podcast", atom=False, rss=True)
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension, atom=False)
    description = cut_to_bytes(plain_text(show.description) or safe_plain(show.subtitle) or show.title)
    fg.title(show.title)
    fg.description(description)
    # feedgen's RSS <link> is the last non-self link given: self first, then the page.
    fg.link(href=links.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=links.show_page, rel="alternate")
    fg.language(show.language or "en")
    if show.copyright:
        fg.copyright(show.copyright)
    fg.generator("Podcaster")
    fg.lastBuildDate(aware(last_change(show, episodes)))

    fg.podcast.itunes_author(show.author_name or show.owner_name or show.title)
    if show.subtitle:
        fg.podcast.itunes_subtitle(safe_plain(show.subtitle))
    fg.podcast.itunes_summary(description)
    if show.owner_email:  # feedgen refuses an owner without both; the doctor flags a missing email
        fg.podcast.itunes_owner(name=show.owner_name or show.author_name or show.title, email=show.owner_email)
    if show.category:
        fg.podcast.itunes_category(show.category, show.subcategory or None)
    fg.podcast.itunes_type(show.show_type)
    if show.complete:
        fg.podcast.itunes_complete("yes")
    if show.new_feed_url:
        fg.podcast.itunes_new_feed_url(show.new_feed_url)
    # No channel itunes:title: a show has no Apple-only title, and one equal to <title> is an error
    # for the W3C validator.
    fg.podcastindex.set(
        explicit=show.explicit,
        image=_image_url(show.artwork, links),
        guid=show.podcast_guid,
        locked=show.locked,
        locked_owner=show.owner_email,
        funding=[link for link in show.funding or [] if link.get("url")],
        persons=[_person(credit.author.name, credit.role, links.author_page(credit.author),
                         _image_url(credit.author.photo, links) or None)
                 for credit in show.credits],
        hubs=links.hubs,
    )
    # feedgen writes the channel (once per feed); the items, a thousand in a long show, are written
    # straight into the tree: feedgen's per-entry objects, setters and extension calls cost about twice
    # what writing the same elements does (bench/feed_rebuild.py), so ``_item`` writes exactly the
    # elements, in the order, that feedgen's entry, its podcast extension and ours would.
    rss = etree.fromstring(fg.rss_str(pretty=False, encoding="UTF-8", xml_declaration=True))
    channel = rss[0]
    for episode, number in ordered_episodes(show.show_type, episodes):
        enclosure = enclosure_of(episode, links)
        if enclosure is None:
            continue
        _item(channel, show, episode, number, enclosure, links)
    return etree.tostring(rss, pretty_print=False, encoding="UTF-8", xml_declaration=True)


_SUB = etree.SubElement
_CONTENT_ENCODED = f"{{{CONTENT_NS}}}encoded"
_IT = f"{{{ITUNES_NS}}}"
_PC = f"{{{PODCAST_NS}}}"


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element:
    element = _SUB(parent, tag)
    element.text = value
    return element


def _rfc2822(moment: datetime) -> str:
    # strftime's %a and %b follow the C locale here (Python never calls setlocale by itself),
    # which is what feedgen's formatRFC2822 forces.
    return aware(moment).strftime("%a, %d %b %Y %H:%M:%S %z")


def _item(channel: etree._Element, show: Show, episode: EpisodeLike, number: int | None,
          enclosure: tuple[str, int, str], links: FeedLinks) -> None:
    """One ``<item>``: feedgen's RSS entry, then its podcast extension's elements, then ours."""
    item = _SUB(channel, "item")
    html = _notes_html(episode.notes) if episode.notes else ""
    summary = cut_to_bytes(safe_plain(episode.summary)) if episode.summary else _notes_text(episode.notes or "")
    description = summary or episode.title
    if not (episode.title or description or html):
        raise ValueError("Required fields not set")
    if episode.title:
        _text(item, "title", episode.title)
    _text(item, "link", links.episode_page(episode))
    if description:
        _text(item, "description", description)
        if html:
            _SUB(item, _CONTENT_ENCODED).text = etree.CDATA(html)
    elif html:
        _SUB(item, "description").text = etree.CDATA(html)
    if episode.guid:
        _SUB(item, "guid", isPermaLink="false").text = episode.guid
    url, length, mime = enclosure
    _SUB(item, "enclosure", url=url, length=str(length), type=mime)
    _text(item, "pubDate", _rfc2822(episode.publish_at))
    # feedgen's podcast extension: duration, season, episode, title, episodeType
    if episode.duration is not None:
        _text(item, _IT + "duration", str(round(episode.duration)))
    if episode.season:
        _text(item, _IT + "season", str(int(episode.season)))
    if number:
        _text(item, _IT + "episode", str(int(number)))
    if episode.title:
        _text(item, _IT + "title", episode.title)
    episode_type = episode.episode_type or "full"
    if episode_type in ("full", "trailer", "bonus"):
        _text(item, _IT + "episodeType", episode_type)
    # ours (podcast_ext.PodcastIndexEntryExtension): the same values it is given
    chapters = None
    if episode.chapters_file is not None:
        chapters = {"url": links.media(episode.chapters_file), "type": CHAPTERS_TYPE}
    elif episode.chapters and (chapters_url := links.chapters(episode)):
        chapters = {"url": chapters_url, "type": CHAPTERS_TYPE}
    transcripts = []
    if episode.transcript is not None:
        transcripts.append({"url": links.media(episode.transcript),
                            "type": TRANSCRIPT_TYPES.get(episode.transcript.mime_type, episode.transcript.mime_type),
                            "language": show.language or "", "rel": "captions"})
    PodcastIndexEntryExtension.write(
        item,
        explicit=show.explicit if episode.explicit is None else episode.explicit,
        image=_image_url(episode.artwork, links),
        season=episode.season,
        episode=number,
        transcripts=transcripts,
        chapters=chapters,
        persons=[_person(p["name"], p.get("role", "guest"), p.get("href"), p.get("img"))
                 for p in episode.persons or [] if p.get("name")],
        soundbites=[bite for bite in episode.soundbites or []
                    if bite.get("start") is not None and bite.get("duration")],
    )
