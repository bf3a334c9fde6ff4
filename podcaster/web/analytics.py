"""The media routes' side of listener statistics: one ``HitRecorder`` per app, fed by both paths.

Flask's view (``web/media.py``) and the lean WSGI path (``web/fast.py``) call ``note_media`` after they have
made their answer; the recorder only appends to a list, a background thread writes (content/analytics/).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask

from ..content.analytics import counting, geo, recorder, user_agents
from ..extensions import db
from ..jobs.runner import app_now

logger = logging.getLogger(__name__)

RECORDER_EXTENSION = "podcaster.hit_recorder"


def client_address(environ: Mapping, proxies: int) -> str:
    """The listener's address: REMOTE_ADDR, or the one ``proxies`` trusted proxies put in X-Forwarded-For.

    The lean path runs in front of Werkzeug's ProxyFix (web/security.py), so it reads the header the same
    way ProxyFix does (the ``proxies``-th address from the right).
    """
    forwarded = environ.get("HTTP_X_FORWARDED_FOR") if proxies else None
    if forwarded:
        values = [value.strip() for value in forwarded.split(",")]
        if len(values) >= proxies:
            return values[-proxies]
    return environ.get("REMOTE_ADDR", "")


def note_media(app: Flask, environ: Mapping, media, status: int, served: int, *, proxied: bool,
               source: str = counting.SOURCE_APP) -> None:
    """Note a request for an episode's audio when the IAB rules let it count (GET, 200/206, not 0-1).

    Args:
        app: the app (its recorder and settings).
        environ: the request's WSGI environ.
        media: the file's row (``media.find_media``: kind, episode and show ids).
        status: the answer's status.
        served: bytes the answer sends (the range's length; a redirect: the whole file).
        proxied: whether ``environ`` is already past ProxyFix (Flask's view) or not (the lean path).
        source: "app" or "redirect".
    """
    hits = app.extensions.get(RECORDER_EXTENSION)
    if hits is None or media.kind != "audio" or media.episode_id is None:
        return
    if not counting.may_count(environ.get("REQUEST_METHOD", ""), environ.get("HTTP_RANGE"), status):
        return
    proxies = 0 if proxied else app.config.get("TRUSTED_PROXIES", 0)
    hits.add(client_address(environ, proxies), environ.get("HTTP_USER_AGENT", ""), media.show_id,
             media.episode_id, served, source)


def init_app(app: Flask) -> None:
    """Give the app its hit recorder (unless ``ANALYTICS`` is off)."""
    if not app.config.get("ANALYTICS", True):
        return
    try:
        country = geo.country_lookup(app.config.get("GEOIP_DB"))
    except (OSError, ValueError) as error:
        logger.warning("PODCASTER_GEOIP_DB %s cannot be read (%s): downloads are counted without countries",
                       app.config.get("GEOIP_DB"), error)
        country = geo.no_country

    def engine():
        with app.app_context():
            return db.engine

    refreshed = user_agents.refreshed_path(app.config.get("USER_AGENTS_FILE"), app.instance_path)
    # Tests write the hits themselves (``flush``), so no thread outlives its app.
    app.extensions[RECORDER_EXTENSION] = recorder.HitRecorder(
        engine, lambda: user_agents.current_list(refreshed), lambda: app_now(app), country,
        background=not app.config.get("TESTING"))
