"""Author profiles: several per site, one of them the site's main author."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import TimestampMixin

if TYPE_CHECKING:
    from .books import BookContributor
    from .media import MediaFile


class Author(TimestampMixin, db.Model):
    __tablename__ = "author"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    short_bio: Mapped[str] = mapped_column(Text, default="")  # markdown, for author boxes
    bio: Mapped[str] = mapped_column(Text, default="")  # markdown, the full bio page
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    website_url: Mapped[str] = mapped_column(String(500), default="")
    youtube_url: Mapped[str] = mapped_column(String(500), default="")
    #: Other profiles: a list of {"label": ..., "url": ...}.
    links: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    is_main: Mapped[bool] = mapped_column(default=False)

    photo: Mapped[MediaFile | None] = relationship()
    book_credits: Mapped[list[BookContributor]] = relationship(
        back_populates="author", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Author {self.slug}>"
