"""Default settings, overridable by ``PODCASTER_*`` environment variables.

Reading this module has no side effects: the secret key file and the instance
folder are handled by ``create_app``.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The page templates: inside the package when installed from a wheel (setup.py puts them there), else
#: the checkout's top-level ``templates/`` folder.
_PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATES_DIR = _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else PROJECT_ROOT / "templates"

#: Settings read from the environment, with their types. Each ``NAME`` here is
#: read from ``PODCASTER_NAME``.
ENV_SETTINGS: dict[str, type] = {
    "DATABASE_URL": str,
    "MEDIA_ROOT": str,
    "SECRET_KEY": str,
    "SITE_URL": str,
    "SITE_TITLE": str,
    "MAX_UPLOAD_BYTES": int,
    "MAX_IMAGE_BYTES": int,
    "BACKUP_MAX_BYTES": int,
    "MEDIA_ACCEL_REDIRECT": str,
    "SESSION_COOKIE_SECURE": bool,
    "TRUSTED_PROXIES": int,
    "FETCH_ALLOW_PRIVATE": bool,
    "SITE_TIME_ZONE": str,
}


def _parse(value: str, kind: type):
    if kind is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return kind(value)


def from_environment(environ: os._Environ | dict[str, str] | None = None) -> dict:
    """Collect the ``PODCASTER_*`` settings that are set.

    Args:
        environ: the mapping to read; ``os.environ`` when omitted.

    Returns:
        A dict of setting name to parsed value, for the settings present.
    """
    environ = os.environ if environ is None else environ
    found = {}
    for name, kind in ENV_SETTINGS.items():
        raw = environ.get(f"PODCASTER_{name}")
        if raw not in (None, ""):
            found[name] = _parse(raw, kind)
    return found


class Config:
    """Defaults. ``DATABASE_URL`` defaults to a SQLite file in the instance folder."""

    DATABASE_URL: str | None = None
    MEDIA_ROOT = str(PROJECT_ROOT / "media")
    SECRET_KEY: str | None = None
    SITE_URL = "http://127.0.0.1:5000"
    SITE_TITLE = "Podcaster"
    #: The IANA time zone dates and times are entered and shown in (they are stored in UTC).
    SITE_TIME_ZONE = "UTC"
    #: Largest accepted audio upload (bytes); the whole request may carry a little more.
    MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
    #: Largest accepted image upload (bytes).
    MAX_IMAGE_BYTES = 20 * 1024 * 1024
    #: The most a backup archive may restore (media and records, in bytes); checked before writing.
    BACKUP_MAX_BYTES = 100 * 1024**3
    #: When set (e.g. ``/_protected_media/``), media responses hand the file to
    #: nginx with ``X-Accel-Redirect`` under this internal location prefix.
    MEDIA_ACCEL_REDIRECT = ""
    #: Stored media never changes under its name (a replaced file gets a new name).
    MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
    #: Secure cookies; switched on automatically when SITE_URL is https.
    SESSION_COOKIE_SECURE = False
    #: How many reverse proxies (nginx) sit in front and set X-Forwarded-For/-Proto.
    TRUSTED_PROXIES = 0
    #: Let requests made for the author (feed import, the feed doctor, downloads) reach loopback and private
    #: addresses; off, so a feed URL typed in the admin cannot reach inside the server's network.
    FETCH_ALLOW_PRIVATE = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    POSTS_PER_PAGE = 10
    #: Podcast app links shown beside the RSS link; ``{feed}`` becomes the feed URL.
    SUBSCRIBE_LINKS = [
        ("Apple Podcasts", "podcast://{feed_noscheme}"),
        ("Overcast", "overcast://x-callback-url/add?url={feed}"),
        ("Pocket Casts", "pktc://subscribe/{feed_noscheme}"),
        ("AntennaPod", "antennapod-subscribe://{feed_noscheme}"),
    ]
