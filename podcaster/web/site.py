"""The site's settings for the web layer: read once per request, and the theme stylesheet they make."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g

from ..content.site import Site, load_site
from ..extensions import db

bp = Blueprint("site", __name__)


def current_site() -> Site:
    """The site settings for this request: read from the database once, then kept on ``g``."""
    site = g.get("site_settings")
    if site is None:
        site = g.site_settings = load_site(db.session, current_app.config["SITE_TITLE"])
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
