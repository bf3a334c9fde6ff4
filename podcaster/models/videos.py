"""The author's YouTube link list."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import TimestampMixin

if TYPE_CHECKING:
    from .authors import Author
    from .books import Book
    from .shows import Episode


class Video(TimestampMixin, db.Model):
    __tablename__ = "video"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The normalised 11-character YouTube video id.
    youtube_id: Mapped[str] = mapped_column(String(11), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id", ondelete="SET NULL"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episode.id", ondelete="SET NULL"))
    book_id: Mapped[int | None] = mapped_column(ForeignKey("book.id", ondelete="SET NULL"))

    author: Mapped[Author | None] = relationship()
    episode: Mapped[Episode | None] = relationship()
    book: Mapped[Book | None] = relationship()

    @property
    def watch_url(self) -> str:
        return f"https://www.youtube.com/watch?v={self.youtube_id}"

    @property
    def embed_url(self) -> str:
        return f"https://www.youtube-nocookie.com/embed/{self.youtube_id}"

    @property
    def thumbnail_url(self) -> str:
        return f"https://i.ytimg.com/vi/{self.youtube_id}/hqdefault.jpg"
