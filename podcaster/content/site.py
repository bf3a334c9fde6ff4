"""The site's settings: what every page, feed and sharing tag says about the site itself.

One row (``models.SiteSettings``), absent on a fresh site: until the author first saves the
settings page, ``load_site`` answers the first-run defaults (``PODCASTER_SITE_TITLE`` and the
theme's own choices), so a GET never writes. ``save_site`` checks every value, applies it, sets
the main author, bumps ``version`` and marks every cached feed stale, all in one transaction.
"""
from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from ..models import Author, MediaFile, SiteSettings
from .feeds import cache
from .links import LinkError, check_url
from .subscribe import APPS, DEFAULT_APPS

#: The row's id: there is only ever one.
SETTINGS_ID = 1
#: The sections the navigation may show, in the theme's order: key, label.
NAV_SECTIONS: tuple[tuple[str, str], ...] = (
    ("about", "About"), ("books", "Books"), ("podcasts", "Podcasts"), ("videos", "Videos"), ("blog", "Blog"),
)
DEFAULT_TIME_ZONE = "UTC"
_COLOR_RE = re.compile(r"^#[0-9a-f]{6}$")
#: The theme's page background (light mode); an accent colour must read on it as link text.
PAPER = "#fdfcf9"
#: WCAG AA for body text: links in the accent colour must reach it.
MIN_CONTRAST = 4.5


class SiteSettingsRefused(ValueError):
    """A setting cannot be saved; ``field`` names the form field, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Site:
    """The settings as pages read them (a snapshot: no lazy loads once the session is gone)."""

    title: str
    tagline: str = ""
    logo_path: str | None = None
    favicon_path: str | None = None
    accent_color: str = ""
    nav_sections: tuple[str, ...] = tuple(key for key, _ in NAV_SECTIONS)
    footer_text: str = ""
    social_links: tuple[dict, ...] = ()
    time_zone: str = DEFAULT_TIME_ZONE
    subscribe_apps: tuple[str, ...] = DEFAULT_APPS
    #: Goes up on every save (0 before the first): page caches key on it.
    version: int = 0
    updated_at: datetime | None = None

    def shows_section(self, key: str) -> bool:
        """Whether the navigation shows the section ``key`` (see ``NAV_SECTIONS``)."""
        return key in self.nav_sections


@dataclass
class SiteFields:
    """What the settings form sends (already stripped); images are handled by the caller's ``FileChanges``."""

    title: str
    tagline: str = ""
    accent_color: str = ""
    main_author_id: int | None = None
    nav_sections: list[str] = field(default_factory=list)
    footer_text: str = ""
    social_links: list[dict] = field(default_factory=list)
    time_zone: str = DEFAULT_TIME_ZONE
    subscribe_apps: list[str] = field(default_factory=list)


def defaults(site_title: str, time_zone: str = DEFAULT_TIME_ZONE) -> Site:
    """The first-run settings: the configured title and time zone (``PODCASTER_SITE_TITLE``,
    ``PODCASTER_SITE_TIME_ZONE``) and the theme's choices."""
    return Site(title=site_title, time_zone=time_zone)


def _variant_path(media: MediaFile | None, variant: str) -> str | None:
    return media.variant_or_self(variant).path if media is not None else None


def load_site(session: Session, site_title: str, time_zone: str = DEFAULT_TIME_ZONE) -> Site:
    """The current settings, or the first-run defaults when the author has not saved any.

    Args:
        session: the database session (one query, and one for the images when there is a row).
        site_title: the configured first-run title.
        time_zone: the configured first-run time zone.
    """
    row = session.get(SiteSettings, SETTINGS_ID, options=[
        selectinload(SiteSettings.logo).selectinload(MediaFile.variants),
        selectinload(SiteSettings.favicon).selectinload(MediaFile.variants),
    ])
    if row is None:
        return defaults(site_title, time_zone)
    return Site(
        title=row.title, tagline=row.tagline, logo_path=_variant_path(row.logo, "thumb"),
        favicon_path=_variant_path(row.favicon, "icon"), accent_color=row.accent_color,
        nav_sections=tuple(key for key, _ in NAV_SECTIONS if key in (row.nav_sections or [])),
        footer_text=row.footer_text, social_links=tuple(row.social_links or ()), time_zone=row.time_zone,
        subscribe_apps=tuple(key for key in APPS if key in (row.subscribe_apps or [])),
        version=row.version, updated_at=row.updated_at,
    )


def settings_row(session: Session, site_title: str, time_zone: str = DEFAULT_TIME_ZONE) -> SiteSettings:
    """The settings row, added to the session (not committed) with the defaults when there is none yet."""
    row = session.get(SiteSettings, SETTINGS_ID)
    if row is None:
        first = defaults(site_title, time_zone)
        row = SiteSettings(id=SETTINGS_ID, title=first.title, tagline="", accent_color="",
                           nav_sections=list(first.nav_sections), footer_text="", social_links=[],
                           time_zone=first.time_zone, subscribe_apps=list(first.subscribe_apps), version=0)
        session.add(row)
    return row


def check_time_zone(name: str) -> str:
    """Return ``name`` when it is an IANA time zone this machine knows ("Europe/Paris", "UTC").

    Raises:
        SiteSettingsRefused: unknown names, and paths, which ``zoneinfo`` would otherwise read.
    """
    name = (name or "").strip()
    if name not in zoneinfo.available_timezones() and name != "UTC":
        raise SiteSettingsRefused("time_zone", f"“{name}” is not a time zone name; use one like Europe/Paris "
                                               "or America/New_York.")
    return name


def _luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_accent(color: str) -> str:
    """Return the colour as ``#rrggbb`` (lowercase), or "" for the theme's own.

    Raises:
        SiteSettingsRefused: not a hex colour, or too pale to read as link text on the page.
    """
    color = (color or "").strip().lower()
    if not color:
        return ""
    if not _COLOR_RE.match(color):
        raise SiteSettingsRefused("accent_color", "Give the colour as # and six hex digits, like #8a3b12.")
    ratio = contrast_ratio(color, PAPER)
    if ratio < MIN_CONTRAST:
        raise SiteSettingsRefused("accent_color", f"{color} is too light to read as link text on the page "
                                                  f"(contrast {ratio:.1f}:1, at least {MIN_CONTRAST}:1 "
                                                  "needed): choose a darker shade.")
    return color


def _checked(fields: SiteFields, session: Session) -> SiteFields:
    if not fields.title.strip():
        raise SiteSettingsRefused("title", "The site needs a title.")
    unknown = set(fields.nav_sections) - {key for key, _ in NAV_SECTIONS}
    if unknown:
        raise SiteSettingsRefused("nav_sections", f"Unknown section: {', '.join(sorted(unknown))}.")
    unknown = set(fields.subscribe_apps) - set(APPS)
    if unknown:
        raise SiteSettingsRefused("subscribe_apps", f"Unknown app: {', '.join(sorted(unknown))}.")
    for link in fields.social_links:
        try:
            check_url(link["url"])
        except LinkError as exc:
            raise SiteSettingsRefused("social_links", str(exc)) from exc
    if fields.main_author_id is not None and session.get(Author, fields.main_author_id) is None:
        raise SiteSettingsRefused("main_author_id", "Choose one of the site's authors.")
    fields.accent_color = check_accent(fields.accent_color)
    fields.time_zone = check_time_zone(fields.time_zone)
    return fields


def save_site(session: Session, fields: SiteFields, site_title: str, now: datetime) -> SiteSettings:
    """Check and apply the settings in the session's transaction; the caller commits (with its image changes).

    Every cached feed goes stale in the same transaction (the blog feed carries the title; show feeds
    and stored doctor figures follow any site-wide change), and ``version`` goes up for page caches.

    Args:
        session: the database session.
        fields: the values from the form.
        site_title: the configured first-run title (for a first save).
        now: the present (naive UTC).

    Returns:
        The settings row, with its logo and favicon left for the caller to set.

    Raises:
        SiteSettingsRefused: a value cannot be saved; nothing was changed.
    """
    fields = _checked(fields, session)
    row = settings_row(session, site_title)
    row.title = fields.title.strip()
    row.tagline = fields.tagline
    row.accent_color = fields.accent_color
    row.nav_sections = [key for key, _ in NAV_SECTIONS if key in fields.nav_sections]
    row.footer_text = fields.footer_text
    row.social_links = list(fields.social_links)
    row.time_zone = fields.time_zone
    row.subscribe_apps = [key for key in APPS if key in fields.subscribe_apps]
    row.version = (row.version or 0) + 1
    row.updated_at = now
    if fields.main_author_id is not None:
        main = session.get(Author, fields.main_author_id)
        if not main.is_main:
            session.execute(update(Author).where(Author.is_main).values(is_main=False))
            main.is_main = True
    session.flush()
    cache.invalidate(session, all_shows=True, blog=True)
    return row


def main_author_id(session: Session) -> int | None:
    """The id of the author marked as the site's main author, if any."""
    return session.execute(select(Author.id).where(Author.is_main).limit(1)).scalar()
