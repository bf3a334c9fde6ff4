"""Blog posts, with tags and the books they mention."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import Status, TimestampMixin

if TYPE_CHECKING:
    from .authors import Author
    from .books import Book

post_tags = Table(
    "post_tag",
    db.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)

post_books = Table(
    "post_book",
    db.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("book_id", ForeignKey("book.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):
    __tablename__ = "tag"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)


class Post(TimestampMixin, db.Model):
    __tablename__ = "post"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")  # markdown
    excerpt: Mapped[str] = mapped_column(Text, default="")  # plain text summary
    author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT.value)
    #: When the post becomes (or became) public; None for drafts never published.
    publish_at: Mapped[datetime | None] = mapped_column(index=True)

    author: Mapped[Author | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by="Tag.name")
    books: Mapped[list[Book]] = relationship(secondary=post_books)
