"""The site's settings for the web layer: read once per request, and the theme stylesheet they make."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, g
from sqlalchemy.exc import SQLAlchemyError

from ..content.site import Site, defaults, load_site
from ..extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("site", __name__)


def first_run_time_zone() -> str:
    """The time zone until the author saves one: ``PODCASTER_SITE_TIME_ZONE``, else UTC."""
    return current_app.config.get("SITE_TIME_ZONE") or "UTC"


def current_site() -> Site:
    """The site settings for this request: read from the database once, then kept on ``g``.

    Every page's header reads them, error pages included: when the database cannot answer (the very
    error being shown, or a transaction left failed), the first-run defaults keep the error page up.
    """
    site = g.get("site_settings")
    if site is None:
        try:
            site = load_site(db.session, current_app.config["SITE_TITLE"], first_run_time_zone())
        except SQLAlchemyError:
            logger.exception("Site settings could not be read; using the defaults for this request")
            db.session.rollback()  # PostgreSQL refuses every later statement of a failed transaction
            site = defaults(current_app.config["SITE_TITLE"], first_run_time_zone())
        g.site_settings = site
    return site


def forget_current_site() -> None:
    """Drop this request's copy (after the settings page saved new ones)."""
    g.pop("site_settings", None)


@bp.route("/theme.css")
def theme():
    """The author's accent colour as a CSS custom property (the CSP allows no inline style).

    Pages link it with ``?v=<version>``, so it may be cached for good: a new save is a new URL.
    """
    site = current_site()
    body = f":root {{ --accent: {site.accent_color}; }}\n" if site.accent_color else "/* theme colours */\n"
    response = Response(body, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
