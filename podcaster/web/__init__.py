"""Thin blueprints, one per area. Views parse the request, call content code, render."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from ..content.feeds.doctor import CHECK_SHOW_EXTENSION
from ..content.http import FetchPolicy
from ..content.storage import MediaStore
from ..models import utcnow


def current_time() -> datetime:
    """The present as naive UTC; tests set ``app.config["CLOCK"]`` to move time."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else utcnow()


def media_store() -> MediaStore:
    """The media store configured for this app."""
    return MediaStore(current_app.config["MEDIA_ROOT"])


def fetch_policy() -> FetchPolicy:
    """The policy for requests made for the author (``FETCH_ALLOW_PRIVATE`` decides about private addresses)."""
    return FetchPolicy.from_settings(current_app.config)


def init_app(app: Flask) -> None:
    """Register blueprints, template helpers, error pages and the user loader."""
    from . import admin, auth, errors, feeds, media, podcasts, public, security, seo, sessions, site, template_helpers

    app.register_blueprint(auth.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(podcasts.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(seo.bp)
    app.register_blueprint(site.bp)
    # ``podcaster check-feed <slug>`` checks our feed as served, which takes this layer's URL map.
    app.extensions[CHECK_SHOW_EXTENSION] = feeds.check_show
    errors.init_app(app)
    template_helpers.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    from . import uploads  # file parts written straight into the media folder
    uploads.init_app(app)
