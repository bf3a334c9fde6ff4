"""Books and their contributors (an anthology may credit dozens of authors)."""
from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import TimestampMixin

if TYPE_CHECKING:
    from .authors import Author
    from .media import MediaFile


class ContributorRole(enum.StrEnum):
    AUTHOR = "author"
    CO_AUTHOR = "co-author"
    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    FOREWORD = "foreword"


class Book(TimestampMixin, db.Model):
    __tablename__ = "book"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    pub_year: Mapped[int | None]
    pub_date: Mapped[date | None]
    #: Digits only (and a final X for ISBN-10), check digit verified on input.
    isbn: Mapped[str] = mapped_column(String(13), default="")
    publisher: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # markdown
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    #: Where to buy it: a list of {"label": ..., "url": ...}.
    buy_links: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    cover: Mapped[MediaFile | None] = relationship()
    contributors: Mapped[list[BookContributor]] = relationship(
        back_populates="book", cascade="all, delete-orphan", order_by="BookContributor.position"
    )

    def __repr__(self) -> str:
        return f"<Book {self.slug}>"


class BookContributor(db.Model):
    __tablename__ = "book_contributor"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES
    __table_args__ = (UniqueConstraint("book_id", "author_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default=ContributorRole.AUTHOR.value)
    position: Mapped[int] = mapped_column(default=0)

    book: Mapped[Book] = relationship(back_populates="contributors")
    author: Mapped[Author] = relationship(back_populates="book_credits")
