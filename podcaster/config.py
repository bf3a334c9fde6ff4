"""Default settings, overridable by ``PODCASTER_*`` environment variables.

Reading this module has no side effects: the secret key file and the instance
folder are handled by ``create_app``.
"""
from __future__ import annotations

import os
import socket
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
    "DATABASE_CONNECT_TIMEOUT": int,
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
    "MEDIA_BACKEND": str,
    "S3_BUCKET": str,
    "S3_ENDPOINT_URL": str,
    "S3_REGION": str,
    "S3_ACCESS_KEY_ID": str,
    "S3_SECRET_ACCESS_KEY": str,
    "S3_PUBLIC_BASE_URL": str,
    "S3_PRESIGNED_SECONDS": int,
    "S3_PART_BYTES": int,
    "QUEUE_URL": str,
    "RUN_WORKER": bool,
    "HOST_NAME": str,
    "FEED_FILES_DIR": str,
    "WEBSUB_HUBS": str,
    "PODCASTINDEX_PUBNOTIFY_URL": str,
    "PODPING_TOKEN": str,
    "PODPING_URL": str,
    "LEAN_PATH": bool,
    "SITEMAP_URLS_PER_FILE": int,
    "SITE_TIME_ZONE": str,
    "ANALYTICS": bool,
    "ANALYTICS_KEEP_DAYS": int,
    "GEOIP_DB": str,
    "USER_AGENTS_FILE": str,
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
    #: Count listener downloads on the media route (content/analytics/; README "Listener statistics").
    ANALYTICS = True
    #: Days raw hits (and per-listener rows) are kept; after that only the daily aggregates remain.
    ANALYTICS_KEEP_DAYS = 30
    #: A GeoIP2/MaxMind-format country database file; empty: no countries.
    GEOIP_DB = ""
    #: Where ``podcaster stats refresh-agents`` puts a newer user-agent list (default
    #: ``instance/user-agents.json``); without that file the list shipped in the package is used.
    USER_AGENTS_FILE = ""
    #: A day, and no ``immutable``: a re-tag job rewrites an MP3 in place under its name (new ETag).
    MEDIA_CACHE_CONTROL = "public, max-age=86400"
    #: Secure cookies; switched on automatically when SITE_URL is https.
    SESSION_COOKIE_SECURE = False
    #: How many reverse proxies (nginx) sit in front and set X-Forwarded-For/-Proto.
    TRUSTED_PROXIES = 0
    #: Answer fresh feeds, public media and cached pages in a WSGI layer before Flask (``web/fast.py``).
    LEAN_PATH = True
    #: Let requests made for the author (feed import, the feed doctor, downloads) reach loopback and private
    #: addresses; off, so a feed URL typed in the admin cannot reach inside the server's network.
    FETCH_ALLOW_PRIVATE = False
    #: Where new media goes: ``local`` (MEDIA_ROOT) or ``s3`` (the S3_* bucket; MEDIA_ROOT then only stages
    #: uploads). Files already in the bucket are read from it whenever S3_BUCKET is set.
    MEDIA_BACKEND = "local"
    S3_BUCKET = ""
    S3_ENDPOINT_URL = ""
    S3_REGION = ""
    S3_ACCESS_KEY_ID = ""
    S3_SECRET_ACCESS_KEY = ""
    #: The CDN (or public bucket) URL in front of the bucket: published media redirect there.
    S3_PUBLIC_BASE_URL = ""
    #: How long a presigned URL for media without a CDN URL (or not yet public) stays valid.
    S3_PRESIGNED_SECONDS = 300
    #: Multipart part size for uploads to the bucket (at least 5 MiB, S3's smallest part).
    S3_PART_BYTES = 8 * 1024 * 1024
    #: The job queue: empty means a SQLite file in the instance folder; ``redis://host:6379/0`` across machines.
    QUEUE_URL = ""
    #: Whether ``podcaster run`` starts a job consumer inside its gunicorn master (off when a
    #: ``podcaster worker`` runs elsewhere).
    RUN_WORKER = True
    #: This machine's name for the jobs only it can run (sending the uploads staged in its media folder);
    #: unique per machine, stable across restarts.
    HOST_NAME = socket.gethostname()
    #: Where feed files are written for nginx; empty means ``feeds/`` in the instance folder.
    FEED_FILES_DIR = ""
    #: WebSub hubs named in every podcast feed and pinged on change (comma- or space-separated URLs).
    WEBSUB_HUBS = ""
    #: Podcast Index's pubnotify endpoint (no key needed); ``off`` (or empty) turns the ping off.
    PODCASTINDEX_PUBNOTIFY_URL = "https://api.podcastindex.org/api/1.0/hub/pubnotify"
    #: podping.cloud's token; podping is sent only when it is set.
    PODPING_TOKEN = ""
    PODPING_URL = "https://podping.cloud/"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: No ``pool_pre_ping`` (a round trip per checkout): a connection idle for a while is pinged, and a
    #: disconnect met in use invalidates the pool (extensions._ping_after_idle), so a restarted database
    #: is reconnected to without a restart.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: Seconds to wait for a PostgreSQL connection before answering 503 (libpq would wait for ever).
    DATABASE_CONNECT_TIMEOUT = 5
    POSTS_PER_PAGE = 10
    #: Addresses per sitemap file (the index at /sitemap.xml lists the files); the protocol allows 50 000.
    SITEMAP_URLS_PER_FILE = 1000
