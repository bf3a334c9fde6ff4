"""Every stored file has a row here, so the database always knows what is on disk."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

#: ``MediaFile.stored_in`` values.
STORED_LOCALLY = "local"
STORED_IN_S3 = "s3"


class MediaFile(db.Model):
    """A file in the media store.

    ``path`` is relative to the store root, with forward slashes. Derived
    files (resized artwork) point at their original through ``parent_id`` and
    name themselves with ``variant`` ("feed", "thumb"); deleting the original
    deletes its variants. ``stored_in`` says where the bytes are: ``local`` (the media folder) or
    ``s3`` (the bucket, set only once the object was verified); with the S3 backend a ``local`` row
    is a file still waiting for its transfer.
    """

    __tablename__ = "media_file"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(500), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # audio, image, transcript, chapters
    variant: Mapped[str] = mapped_column(String(20), default="original")
    original_name: Mapped[str | None] = mapped_column(String(255))
    width: Mapped[int | None]
    height: Mapped[int | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stored_in: Mapped[str] = mapped_column(String(10), default=STORED_LOCALLY, server_default=STORED_LOCALLY)

    variants: Mapped[list[MediaFile]] = relationship(
        back_populates="parent", cascade="all, delete-orphan", passive_deletes=True
    )
    parent: Mapped[MediaFile | None] = relationship(back_populates="variants", remote_side=[id])

    def variant_or_self(self, name: str) -> MediaFile:
        """Return the derived file called ``name``, or this file when there is none."""
        for child in self.variants:
            if child.variant == name:
                return child
        return self

    def __repr__(self) -> str:
        return f"<MediaFile {self.path}>"
