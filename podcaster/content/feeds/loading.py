"""Loading what a show's feed shows: the show as a model, its public episodes as plain rows.

A feed lists every public episode, so a rebuild after an edit reads them all.
Building a thousand ORM objects (and their media rows) costs more than writing
the XML; one Core query with the media joined in, turned into small frozen
dataclasses, costs a fraction. The builder reads the same attribute names from
these rows as from the models, so it accepts either.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...models import Author, Episode, MediaFile, Show, ShowAuthor
from ..publishing import visible_filter


@dataclass(frozen=True)
class MediaRef:
    """A stored file as the feed needs it."""

    path: str
    size: int
    mime_type: str
    variants: dict[str, MediaRef] = field(default_factory=dict)

    def variant_or_self(self, name: str) -> MediaRef:
        """The derived file called ``name`` (e.g. "feed"), or this file when there is none."""
        return self.variants.get(name, self)


@dataclass(frozen=True)
class EpisodeRow:
    """An episode as the feed needs it (same attribute names as ``Episode``)."""

    id: int
    title: str
    slug: str
    guid: str
    notes: str
    summary: str
    publish_at: datetime
    updated_at: datetime | None
    duration: float | None
    season: int | None
    number: int | None
    episode_type: str
    explicit: bool | None
    persons: list
    soundbites: list
    chapters: list
    remote_audio_url: str
    remote_audio_size: int | None
    remote_audio_type: str
    audio: MediaRef | None
    artwork: MediaRef | None
    transcript: MediaRef | None
    chapters_file: MediaRef | None


_episodes = Episode.__table__
_media = MediaFile.__table__
_ROLES = ("audio", "artwork", "transcript", "chapters_file")
_FOREIGN_KEYS = {"audio": "audio_id", "artwork": "artwork_id", "transcript": "transcript_id",
                 "chapters_file": "chapters_id"}
_EPISODE_COLUMNS = ("id", "title", "slug", "guid", "notes", "summary", "publish_at", "updated_at", "duration",
                    "season", "number", "episode_type", "explicit", "persons", "soundbites", "chapters",
                    "remote_audio_url", "remote_audio_size", "remote_audio_type")

# EpisodeRow takes the episode columns in this order, then one MediaRef per role.
_LIST_POSITIONS = tuple(_EPISODE_COLUMNS.index(name) for name in ("persons", "soundbites", "chapters"))


def _episode_query(show_id: int, now: datetime):
    aliases = {role: _media.alias(role) for role in _ROLES}
    joined = _episodes
    columns = [_episodes.c[name] for name in _EPISODE_COLUMNS]
    for role, alias in aliases.items():
        joined = joined.outerjoin(alias, alias.c.id == _episodes.c[_FOREIGN_KEYS[role]])
        columns += [alias.c.id.label(f"{role}_id"), alias.c.path.label(f"{role}_path"),
                    alias.c.size.label(f"{role}_size"), alias.c.mime_type.label(f"{role}_type")]
    return (select(*columns).select_from(joined)
            .where(_episodes.c.show_id == show_id, visible_filter(Episode, now)))


def load_public_episodes(session: Session, show_id: int, now: datetime) -> list[EpisodeRow]:
    """The show's episodes that are public at ``now``, with their files, in two Core queries."""
    rows = session.connection().execute(_episode_query(show_id, now)).all()
    artwork_ids = {row.artwork_id for row in rows if row.artwork_id is not None}
    variants: dict[int, dict[str, MediaRef]] = {}
    if artwork_ids:
        for parent_id, variant, path, size, mime in session.connection().execute(
            select(_media.c.parent_id, _media.c.variant, _media.c.path, _media.c.size, _media.c.mime_type)
            .where(_media.c.parent_id.in_(artwork_ids))
        ):
            variants.setdefault(parent_id, {})[variant] = MediaRef(path, size, mime)
    count = len(_EPISODE_COLUMNS)
    episodes = []
    for row in rows:
        values = list(row[:count])
        for position in _LIST_POSITIONS:
            values[position] = values[position] or []
        files = []
        for position, role in enumerate(_ROLES):
            media_id, path, size, mime = row[count + 4 * position: count + 4 * position + 4]
            files.append(None if media_id is None else MediaRef(
                path, size, mime, variants.get(media_id, {}) if role == "artwork" else {}))
        episodes.append(EpisodeRow(*values, *files))
    return episodes


def load_show_for_feed(session: Session, show_id: int, now: datetime) -> tuple[Show, list[EpisodeRow]]:
    """The show (a model, with artwork and credits) and its public episodes (plain rows)."""
    show = session.execute(
        select(Show).where(Show.id == show_id).options(
            selectinload(Show.artwork).selectinload(MediaFile.variants),
            selectinload(Show.credits).selectinload(ShowAuthor.author).selectinload(Author.photo)
            .selectinload(MediaFile.variants),
        )
    ).scalar_one()
    return show, load_public_episodes(session, show_id, now)
