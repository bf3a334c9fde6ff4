"""The site's own settings (title, theme, navigation, footer, subscribe buttons): one row, edited in the admin."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

if TYPE_CHECKING:
    from .media import MediaFile


class SiteSettings(db.Model):
    """The one row of site settings (``id`` 1); absent until the author first saves the settings page.

    ``version`` goes up by one on every save, in the same transaction: caches of rendered pages key on it.
    The site's main author is not stored here: it stays ``Author.is_main``, which the settings page sets.
    """

    __tablename__ = "site_settings"
    shown_on_pages = True  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    tagline: Mapped[str] = mapped_column(String(300), default="")
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    favicon_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    #: "#rrggbb", or "" for the theme's own colour.
    accent_color: Mapped[str] = mapped_column(String(7), default="")
    #: The section keys shown in the navigation, in the theme's order (``content.site.NAV_SECTIONS``).
    nav_sections: Mapped[list] = mapped_column(JSON, default=list)
    footer_text: Mapped[str] = mapped_column(Text, default="")
    #: A list of {"label": ..., "url": ...}.
    social_links: Mapped[list] = mapped_column(JSON, default=list)
    #: An IANA time zone name ("Europe/Paris"); times are stored in UTC and shown in it.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: The app keys offered beside the RSS link (``content.subscribe.APPS``).
    subscribe_apps: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    logo: Mapped[MediaFile | None] = relationship(foreign_keys=[logo_id])
    favicon: Mapped[MediaFile | None] = relationship(foreign_keys=[favicon_id])

    def __repr__(self) -> str:
        return f"<SiteSettings v{self.version}>"
