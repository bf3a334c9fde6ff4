"""Podcast shows and their episodes: every field a full podcast feed needs."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import Status, TimestampMixin

if TYPE_CHECKING:
    from .authors import Author
    from .books import Book
    from .media import MediaFile


class ShowType(enum.StrEnum):
    EPISODIC = "episodic"
    SERIAL = "serial"


class EpisodeType(enum.StrEnum):
    FULL = "full"
    TRAILER = "trailer"
    BONUS = "bonus"


episode_books = Table(
    "episode_book",
    db.metadata,
    Column("episode_id", ForeignKey("episode.id", ondelete="CASCADE"), primary_key=True),
    Column("book_id", ForeignKey("book.id", ondelete="CASCADE"), primary_key=True),
)


class ShowAuthor(db.Model):
    """An author credited on a show (a podcast:person of the channel)."""

    __tablename__ = "show_author"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES
    __table_args__ = (UniqueConstraint("show_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(50), default="host")  # Podcast Index person role
    position: Mapped[int] = mapped_column(default=0)

    show: Mapped[Show] = relationship(back_populates="credits")
    author: Mapped[Author] = relationship()


class Show(TimestampMixin, db.Model):
    __tablename__ = "show"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # markdown
    artwork_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(20), default="en")
    category: Mapped[str] = mapped_column(String(100), default="Arts")  # Apple category
    subcategory: Mapped[str] = mapped_column(String(100), default="")
    explicit: Mapped[bool] = mapped_column(default=False)
    author_name: Mapped[str] = mapped_column(String(200), default="")  # itunes:author
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    owner_email: Mapped[str] = mapped_column(String(254), default="")
    copyright: Mapped[str] = mapped_column(String(300), default="")
    show_type: Mapped[str] = mapped_column(String(20), default=ShowType.EPISODIC.value)
    website_url: Mapped[str] = mapped_column(String(500), default="")
    #: podcast:funding links: a list of {"label": ..., "url": ...}.
    funding: Mapped[list] = mapped_column(JSON, default=list)
    locked: Mapped[bool] = mapped_column(default=True)
    complete: Mapped[bool] = mapped_column(default=False)
    #: podcast:guid, assigned once (UUIDv5 of the feed URL) and never changed.
    podcast_guid: Mapped[str] = mapped_column(String(36), default="")
    #: When set, the feed moved: the old URL answers 301 and carries itunes:new-feed-url.
    new_feed_url: Mapped[str] = mapped_column(String(500), default="")
    #: The show's pages in the Apple Podcasts and Spotify directories, for the subscribe buttons.
    apple_podcasts_url: Mapped[str] = mapped_column(String(500), default="")
    spotify_url: Mapped[str] = mapped_column(String(500), default="")
    #: Write ID3 tags (title, artist, album, cover, chapters) into uploaded MP3s.
    tag_mp3: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    artwork: Mapped[MediaFile | None] = relationship()
    credits: Mapped[list[ShowAuthor]] = relationship(
        back_populates="show", cascade="all, delete-orphan", order_by="ShowAuthor.position"
    )
    episodes: Mapped[list[Episode]] = relationship(
        back_populates="show", cascade="all, delete-orphan", order_by="Episode.publish_at.desc()"
    )

    def __repr__(self) -> str:
        return f"<Show {self.slug}>"


def new_episode_guid() -> str:
    return str(uuid.uuid4())


class Episode(TimestampMixin, db.Model):
    __tablename__ = "episode"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES
    __table_args__ = (
        UniqueConstraint("show_id", "slug"),
        # A show page's episodes, newest first, a page at a time: read in index order, no sort of them all.
        Index("ix_episode_show_id_publish_at_id", "show_id", "publish_at", "id"),
        # The dashboard's recently changed episodes.
        Index("ix_episode_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200))
    #: The item guid: set once at creation (or kept from an imported feed), never changed.
    guid: Mapped[str] = mapped_column(String(500), unique=True, default=new_episode_guid)
    notes: Mapped[str] = mapped_column(Text, default="")  # markdown show notes
    summary: Mapped[str] = mapped_column(Text, default="")  # optional plain-text summary
    audio_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    #: An enclosure kept on another host (imported feeds): URL, exact length, MIME type.
    remote_audio_url: Mapped[str] = mapped_column(String(1000), default="")
    remote_audio_size: Mapped[int | None] = mapped_column(BigInteger)
    remote_audio_type: Mapped[str] = mapped_column(String(100), default="")
    duration: Mapped[float | None]  # seconds, measured from the file
    bitrate: Mapped[int | None]  # bits per second
    artwork_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    season: Mapped[int | None]
    number: Mapped[int | None]
    episode_type: Mapped[str] = mapped_column(String(20), default=EpisodeType.FULL.value)
    #: None inherits the show's setting.
    explicit: Mapped[bool | None]
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT.value)
    publish_at: Mapped[datetime | None] = mapped_column(index=True)
    transcript_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    chapters_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    #: Chapters as [{"startTime": seconds, "title": ..., "url": ...}], from the
    #: uploaded JSON file or the MP3's ID3 CHAP frames.
    chapters: Mapped[list] = mapped_column(JSON, default=list)
    #: podcast:person for guests: [{"name", "role", "href", "img"}].
    persons: Mapped[list] = mapped_column(JSON, default=list)
    #: podcast:soundbite: [{"start": seconds, "duration": seconds, "title": ...}].
    soundbites: Mapped[list] = mapped_column(JSON, default=list)

    show: Mapped[Show] = relationship(back_populates="episodes")
    audio: Mapped[MediaFile | None] = relationship(foreign_keys=[audio_id])
    artwork: Mapped[MediaFile | None] = relationship(foreign_keys=[artwork_id])
    transcript: Mapped[MediaFile | None] = relationship(foreign_keys=[transcript_id])
    chapters_file: Mapped[MediaFile | None] = relationship(foreign_keys=[chapters_id])
    books: Mapped[list[Book]] = relationship(secondary=episode_books)

    def __repr__(self) -> str:
        return f"<Episode {self.slug}>"
