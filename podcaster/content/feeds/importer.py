"""Moving a podcast in: read an existing RSS feed and create or update a show and its episodes.

Item guids are kept exactly, so podcast apps see the same episodes and download
nothing again. Running the import again updates what changed and never
duplicates. The feed is untrusted input: it is read with a size limit and
parsed with DTDs, entities and network access off (``content.feeds.parsing``,
which also repairs the slips podcast apps forgive and says so); every URL is
fetched through the safe fetcher (``content.http``), and the addresses kept
must be absolute http(s) URLs.
"""
from __future__ import annotations

import contextlib
import email.utils
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from collections.abc import Callable
from typing import BinaryIO

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Episode, Show, Status
from ..audio import AudioError
from ..http import FetchError, FetchPolicy, open_url
from ..images import ARTWORK
from ..links import LinkError, check_url
from ..media import FileChanges, store_image
from ..podcasts import attach_audio, unique_episode_slug
from ..slugs import make_slug, unique_slug
from ..storage import INCOMING_FOLDER, MediaStore, StagedFile, StorageError, TooLarge
from . import cache
from .parsing import FeedParseError, parse_feed

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
ATOM = "http://www.w3.org/2005/Atom"
PODCAST_NAMESPACES = ("https://podcastindex.org/namespace/1.0",
                      "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md")

MAX_FEED_BYTES = 20 * 1024 * 1024
#: Items saved in one transaction (each in a savepoint of its own). A commit per item cost a disk sync
#: and the after-commit work (a feed refresh queued) each time: 20 ms an episode on SQLite here.
ITEMS_PER_COMMIT = 200
#: Seconds for one enclosure download: a 1 GiB file needs minutes, a feed or an image far less
#: (those get the fetch policy's own cap).
DOWNLOAD_TIMEOUT = 3600.0


class FeedImportError(Exception):
    """The feed cannot be imported; the message says why, for the author."""


@dataclass
class ImportResult:
    show: Show
    created: int = 0
    updated: int = 0
    downloaded: int = 0
    problems: list[str] = field(default_factory=list)
    #: What was repaired to read the feed (undefined entities, control characters...).
    repairs: list[str] = field(default_factory=list)


Fetch = Callable[[str, int], BinaryIO]


def fetch_url(url: str, max_bytes: int, policy: FetchPolicy | None = None) -> BinaryIO:
    """Open ``url`` for reading through the safe fetcher (see ``content.http``), at most ``max_bytes``.

    Args:
        url: an http or https URL.
        max_bytes: the largest body accepted; reading past it raises.
        policy: which addresses may be fetched (public ones only by default).

    Raises:
        FeedImportError: a bad scheme, an address not allowed or not answering, an HTTP error or too large.
    """
    timeout = DOWNLOAD_TIMEOUT if max_bytes > MAX_FEED_BYTES else None
    try:
        return open_url(url, max_bytes, policy, total_timeout=timeout)
    except FetchError as exc:
        raise FeedImportError(str(exc)) from exc


def read_limited(stream: BinaryIO, max_bytes: int, what: str) -> bytes:
    try:
        with contextlib.closing(stream):
            data = stream.read(max_bytes + 1)
    except FetchError as exc:
        raise FeedImportError(str(exc)) from exc
    if len(data) > max_bytes:
        raise FeedImportError(f"{what} is larger than {max_bytes} bytes")
    return data


def read_feed(data: bytes) -> tuple[etree._Element, list[str]]:
    """Parse untrusted feed XML safely (see ``content.feeds.parsing``) and check it is RSS.

    Returns:
        The ``<rss>`` root and the repairs made to read it.

    Raises:
        FeedImportError: a DOCTYPE (entity tricks such as XXE and billion laughs need one),
            XML beyond repair, too deep a tree, or not an RSS feed.
    """
    try:
        parsed = parse_feed(data)
    except FeedParseError as exc:
        raise FeedImportError(str(exc)) from exc
    root = parsed.root
    if root.tag == f"{{{ATOM}}}feed":
        raise FeedImportError("this is an Atom feed; only RSS 2.0 podcast feeds can be imported "
                              "(the kind Apple Podcasts and Spotify read)")
    if root.tag != "rss" or root.find("channel") is None:
        raise FeedImportError(f"this is not an RSS feed (root element <{etree.QName(root).localname}>)")
    return root, parsed.repairs


def parse_feed_xml(data: bytes) -> etree._Element:
    """The ``<rss>`` root of untrusted feed XML (``read_feed`` without the repairs)."""
    return read_feed(data)[0]


def _absolute_url(url: str) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (``javascript:``, ``data:``, relative...)."""
    try:
        return check_url(url)
    except LinkError:
        return None


def _text(node, path: str, namespaces: dict | None = None) -> str:
    found = node.find(path, namespaces or {})
    return (found.text or "").strip() if found is not None and found.text else ""


def _itunes(node, name: str) -> str:
    return _text(node, f"{{{ITUNES}}}{name}")


def _podcast(node, name: str) -> etree._Element | None:
    for namespace in PODCAST_NAMESPACES:
        found = node.find(f"{{{namespace}}}{name}")
        if found is not None:
            return found
    return None


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _explicit(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("true", "yes", "explicit"):
        return True
    if value in ("false", "no", "clean"):
        return False
    return None


def parse_duration(text: str) -> float | None:
    """Read itunes:duration: seconds, MM:SS or HH:MM:SS."""
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    if re.fullmatch(r"\d+(:\d{1,2}){1,2}", text):
        seconds = 0
        for part in text.split(":"):
            seconds = seconds * 60 + int(part)
        return float(seconds)
    return None


def parse_date(text: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _find_show(session: Session, channel, title: str) -> Show | None:
    guid_node = _podcast(channel, "guid")
    if guid_node is not None and guid_node.text:
        show = session.query(Show).filter_by(podcast_guid=guid_node.text.strip()).first()
        if show:
            return show
    return session.query(Show).filter_by(slug=make_slug(title, "podcast")).first()


def import_feed(session: Session, store: MediaStore, feed_bytes: bytes, *, fetch: Fetch | None = None,
                policy: FetchPolicy | None = None, download_audio: bool = True, max_audio_bytes: int = 1024**3,
                max_image_bytes: int = 20 * 1024**2, progress: Callable[[str], None] = lambda _: None,
                step: Callable[[int, int, str], None] = lambda done, total, title: None,
                items_per_commit: int = ITEMS_PER_COMMIT) -> ImportResult:
    """Create or update a show from an RSS feed.

    Args:
        session: the database session, committed every ``items_per_commit`` items and after each
            downloaded file; each item is saved in a savepoint, so an import that fails part way keeps
            every item it finished (committed before the error is raised) and nothing of the failing
            one (its row rolled back, its files removed). Running it again never duplicates.
        store: the media store for artwork and audio.
        feed_bytes: the feed document.
        fetch: opens a URL for reading with a size limit; by default the safe fetcher under ``policy``.
        policy: which addresses artwork and audio may be fetched from (public ones only by default).
        download_audio: download enclosures into the store; otherwise keep them as remote URLs.
        max_audio_bytes: the largest enclosure to download.
        max_image_bytes: the largest artwork to download.
        progress: called with a line of progress text.
        step: called after each commit with the items done, the items in the feed and the last
            item's title (the Jobs page's progress bar; it may commit the session).
        items_per_commit: the most items saved in one transaction.

    Returns:
        What was created, updated and downloaded, and the problems met on the way.

    Raises:
        FeedImportError: the feed itself is unusable.
    """
    if fetch is None:
        def fetch(url: str, max_bytes: int) -> BinaryIO:
            return fetch_url(url, max_bytes, policy)

    root, repairs = read_feed(feed_bytes)
    channel = root.find("channel")
    title = _text(channel, "title")
    if not title:
        raise FeedImportError("the feed has no channel title")
    show = _find_show(session, channel, title)
    if show is None:
        show = Show(title=title, slug=unique_slug(session, Show, title, fallback="podcast"))
        session.add(show)
    show.title = title
    show.description = _itunes(channel, "summary") or _text(channel, "description")
    show.subtitle = _itunes(channel, "subtitle")[:300]
    link = _text(channel, "link")
    show.website_url = (_absolute_url(link) or "")[:500]
    show.language = (_text(channel, "language") or "en")[:20]
    show.copyright = _text(channel, "copyright")[:300]
    show.author_name = _itunes(channel, "author")[:200]
    owner = channel.find(f"{{{ITUNES}}}owner")
    if owner is not None:
        show.owner_name = _itunes(owner, "name")[:200]
        show.owner_email = _itunes(owner, "email")[:254]
    category = channel.find(f"{{{ITUNES}}}category")
    if category is not None:
        show.category = category.get("text", show.category)
        sub = category.find(f"{{{ITUNES}}}category")
        show.subcategory = sub.get("text", "") if sub is not None else ""
    show.explicit = bool(_explicit(_itunes(channel, "explicit")))
    if _itunes(channel, "type") in ("episodic", "serial"):
        show.show_type = _itunes(channel, "type")
    guid_node = _podcast(channel, "guid")
    if guid_node is not None and guid_node.text and not show.podcast_guid:
        show.podcast_guid = guid_node.text.strip()
    result = ImportResult(show=show, repairs=repairs)
    if link and not show.website_url:
        result.problems.append(f"the show's website {link!r} is not an absolute http(s) address; left out")

    image = channel.find(f"{{{ITUNES}}}image")
    image_url = image.get("href", "") if image is not None else _text(channel, "image/url")
    new_files: list[str] = []
    if image_url and _absolute_url(image_url) is None:
        result.problems.append(f"the show artwork {image_url!r} is not an absolute http(s) address; refused")
    elif image_url and show.artwork is None:
        try:
            data = read_limited(fetch(image_url, max_image_bytes), max_image_bytes, "the artwork")
            show.artwork = store_image(session, store, io.BytesIO(data), image_url.rsplit("/", 1)[-1],
                                       ARTWORK, max_image_bytes)
            new_files = [show.artwork.path] + [variant.path for variant in show.artwork.variants]
        except Exception as exc:  # artwork is worth a warning, not a failed import
            result.problems.append(f"artwork {image_url}: {exc}")
    try:
        session.commit()
    except BaseException:
        session.rollback()
        for path in new_files:
            store.delete(path)
        raise

    numbers = _ShowNumbers.of(session, show)
    items = channel.findall("item")
    batch = FileChanges()  # the files of the items saved since the last commit
    in_batch = 0
    last_title = ""
    for done, item in enumerate(items, start=1):
        download = None
        episode = _episode_of(session, item)
        url = _audio_to_download(show, item, episode) if download_audio else None
        if url is not None:
            # No transaction stays open while a file downloads (up to an hour): on SQLite the batch's
            # first UPDATE holds the database's write lock, on PostgreSQL the feed rows' locks; every
            # other writer (the studio, the hit recorder, jobs) would wait on it and time out. The price:
            # an item whose download fails ends its batch early (a commit per such item).
            if in_batch:
                batch.commit(session, store)
                batch, in_batch = FileChanges(), 0
                step(done - 1, len(items), last_title)
            session.commit()  # ends the read transaction the lookup began
            download = _download(store, url, fetch=fetch, max_audio_bytes=max_audio_bytes, progress=progress)
        changes = FileChanges()
        try:
            if in_batch == 0:
                _begin_batch(session, show)
            with session.begin_nested():
                _import_item(session, store, show, item, result, changes, episode=episode, download=download,
                             numbers=numbers)
        except BaseException:
            # The savepoint rolled this item back: drop its files, keep the items finished before it.
            for path in changes.new_paths:
                store.delete_uncommitted(path)
            # The author is told the item's error; a batch whose commit fails too (its rows rolled back,
            # its files removed by ``FileChanges.commit``) is imported by the next run.
            with contextlib.suppress(Exception):
                batch.commit(session, store)
            raise
        finally:
            if isinstance(download, StagedFile):
                # Not attached (the item failed, or its episode got audio while this file downloaded);
                # once attached it was renamed into place and this finds nothing.
                download.path.unlink(missing_ok=True)
        batch.new_paths += changes.new_paths
        batch.old_paths += changes.old_paths
        in_batch += 1
        last_title = _text(item, "title")
        # A downloaded file is committed at once: a long download is worth keeping, and its row should
        # not wait for the next items.
        if in_batch >= items_per_commit or changes.new_paths or done == len(items):
            batch.commit(session, store)
            batch, in_batch = FileChanges(), 0
            step(done, len(items), last_title)
    return result


def _begin_batch(session: Session, show: Show) -> None:
    """Open the transaction the next items are saved in, each in a savepoint of their own.

    The batch changes the show's feed, so it is marked stale at once; that UPDATE is also what opens
    the real transaction on SQLite: pysqlite sends BEGIN only before a data-changing statement, so a
    SAVEPOINT sent first would itself be the transaction, and its RELEASE a commit per item.
    """
    cache.invalidate(session, show_ids={show.id})


@dataclass
class _ShowNumbers:
    """The (season, number) pairs of the show's episodes, read once and kept in step with the import.

    A query per item (``show_id`` and ``number``) read every episode of the show through the show_id index,
    so a 20000-episode import cost grew with the show; this is one query for the whole import.
    """

    owners: dict[tuple[int | None, int], set[int]]
    #: Pairs given to an item of this run, in the feed's order.
    seen: set[tuple[int | None, int]] = field(default_factory=set)

    @classmethod
    def of(cls, session: Session, show: Show) -> _ShowNumbers:
        owners: dict[tuple[int | None, int], set[int]] = {}
        rows = session.execute(select(Episode.id, Episode.season, Episode.number).where(
            Episode.show_id == show.id, Episode.number.is_not(None)))
        for episode_id, season, number in rows:
            owners.setdefault((season, number), set()).add(episode_id)
        return cls(owners)

    def taken(self, key: tuple[int | None, int], episode: Episode) -> bool:
        return key in self.seen or bool(self.owners.get(key, set()) - {episode.id})

    def assign(self, episode: Episode, key: tuple[int | None, int] | None) -> None:
        """Note the episode's new pair (its id once flushed: the caller's savepoint flushes it)."""
        if episode.id is not None and episode.number is not None:
            self.owners.get((episode.season, episode.number), set()).discard(episode.id)
        if key is not None:
            self.seen.add(key)


def _episode_number(episode: Episode, season: int | None, text: str, numbers: _ShowNumbers, label: str,
                    result: ImportResult) -> int | None:
    """The item's episode number, or None (said in the result) when it is not positive or already taken.

    The first item with a (season, number) keeps it, in the feed's order; an episode already in the
    show keeps its number too. Serial feeds break on such numbers, and forms refuse them.
    """
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) <= 0:
        result.problems.append(f"{label}: episode number {text!r} is not a positive whole number; left out")
        return None
    number = int(text)
    if numbers.taken((season, number), episode):
        where = f"season {season}, episode {number}" if season is not None else f"episode {number}"
        result.problems.append(f"{label}: {where} is already used by another episode of the show; "
                               "the number is left out")
        return None
    return number


def _item_keys(item) -> tuple[str, str, object]:
    """An ``<item>``'s title, guid (the enclosure's URL when it has none) and ``<enclosure>`` element."""
    title = _text(item, "title") or _itunes(item, "title")
    enclosure = item.find("enclosure")
    guid = _text(item, "guid") or (enclosure.get("url", "") if enclosure is not None else "")
    return title, guid, enclosure


def _episode_of(session: Session, item) -> Episode | None:
    """The episode already saved under the item's guid, if any (read once per item)."""
    _title, guid, _enclosure = _item_keys(item)
    return session.query(Episode).filter_by(guid=guid).first() if guid else None


def _audio_to_download(show: Show, item, episode: Episode | None) -> str | None:
    """The enclosure URL whose audio the import is to download for ``item``, or None.

    None when the item is skipped or refused anyway, has no usable enclosure, or its episode already has
    its audio (``_import_item`` decides the same way; this only looks ahead, before any write).
    """
    title, guid, enclosure = _item_keys(item)
    url = (enclosure.get("url", "") if enclosure is not None else "").strip()
    if not title or not guid or not url or _absolute_url(url) is None:
        return None
    if episode is not None and (episode.show_id not in (None, show.id) or episode.audio_id is not None):
        return None
    return url


def _download(store, url: str, *, fetch, max_audio_bytes: int | None, progress) -> StagedFile | str:
    """The enclosure fetched into the store's incoming folder, or why it could not be.

    The reason is kept as text, not as the exception: its traceback would keep the failed response's
    socket alive until the item is done.
    """
    progress(f"downloading {url}")
    try:
        with contextlib.closing(fetch(url, max_audio_bytes)) as stream:
            return store.stage_stream(stream, INCOMING_FOLDER, max_bytes=max_audio_bytes)
    except (TooLarge, StorageError, FeedImportError, FetchError, OSError) as exc:
        return str(exc)


def _import_item(session, store, show, item, result, changes, *, episode, download, numbers):
    """Create or update the episode of one ``<item>`` (flushed by the caller's savepoint, not committed).

    The files stored are listed in ``changes``, for the caller to commit or remove.

    Args:
        episode: the episode saved under the item's guid (``_episode_of``), or None for a new one.
        download: what ``_download`` gave for this item's enclosure (the staged file, or why there is
            none; fetched before the savepoint opened), or None when nothing was to be downloaded.
    """
    title, guid, enclosure = _item_keys(item)
    if not title or not guid:
        result.problems.append(f"skipped an item without {'a title' if not title else 'a guid'}")
        return
    if episode is not None and episode.show_id not in (None, show.id):
        result.problems.append(f"guid {guid} already belongs to another show; item skipped")
        return
    created = episode is None
    if created:
        # The form's rule (unique within the show), read from the (show_id, slug) index: a site-wide
        # ``unique_slug`` scanned the whole episode table for each item.
        episode = Episode(show=show, guid=guid, title=title,
                          slug=unique_episode_slug(session, show.id, title))
        session.add(episode)
    episode.title = title[:300]
    episode.notes = _text(item, f"{{{CONTENT}}}encoded") or _text(item, "description") or _itunes(item, "summary")
    episode.publish_at = parse_date(_text(item, "pubDate"))
    episode.status = Status.PUBLISHED.value if episode.publish_at else Status.DRAFT.value
    label = f"“{title}” (guid {guid})"
    season = _int(_itunes(item, "season"))
    season = season if season else None  # season 0 is no season
    number = _episode_number(episode, season, _itunes(item, "episode"), numbers, label, result)
    numbers.assign(episode, (season, number) if number is not None else None)
    episode.season = season
    episode.number = number
    if _itunes(item, "episodeType") in ("full", "trailer", "bonus"):
        episode.episode_type = _itunes(item, "episodeType")
    episode.explicit = _explicit(_itunes(item, "explicit"))
    duration = parse_duration(_itunes(item, "duration"))
    if duration is not None and episode.audio is None:
        episode.duration = duration

    url = (enclosure.get("url", "") if enclosure is not None else "").strip()
    if url and _absolute_url(url) is None:
        result.problems.append(f"{label}: the enclosure {url!r} is not an absolute http(s) address; refused, "
                               "so the episode has no audio")
    elif enclosure is not None and episode.audio is None:
        length = _int(enclosure.get("length", ""))
        episode.remote_audio_url = url[:1000]
        episode.remote_audio_size = length
        episode.remote_audio_type = enclosure.get("type", "")[:100]
        if isinstance(download, str):
            result.problems.append(f"{title}: audio not downloaded ({download}); kept as a remote enclosure")
        elif download is not None:
            staged = download
            try:
                # Named after what the file is, never after the URL (``play.php?id=1``); kept as it was
                # published (no tags written, the feed's chapters rather than embedded ones).
                attach_audio(session, store, episode, show, staged.path, url.rsplit("/", 1)[-1], changes,
                             size=staged.size, sha256=staged.sha256, chapters_from_tags=False)
            except (AudioError, StorageError) as exc:
                result.problems.append(f"{title}: {exc}; kept as a remote enclosure")
            else:
                episode.remote_audio_url = ""
                episode.remote_audio_size = None
                episode.remote_audio_type = ""
                result.downloaded += 1
    if created:
        result.created += 1
    else:
        result.updated += 1
