"""Thin blueprints, one per area. Views parse the request, call content code, render."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from ..content.feeds.doctor import CHECK_SHOW_EXTENSION
from ..content.feeds.files import BLOG_FEED_EXTENSION, SHOW_LINKS_EXTENSION
from ..models import utcnow
from ..stores import fetch_policy, media_store, remote_media_store

__all__ = ["current_time", "fetch_policy", "init_app", "media_store", "remote_media_store"]


def current_time() -> datetime:
    """The present as naive UTC; tests set ``app.config["CLOCK"]`` to move time."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else utcnow()


def init_app(app: Flask) -> None:
    """Register blueprints, template helpers, error pages and the user loader."""
    from . import (admin, analytics, auth, embed, errors, feeds, media, pages, podcasts, public, security, seo,
                   sessions, site, template_helpers)

    app.register_blueprint(auth.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(podcasts.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(seo.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(site.bp)
    # ``podcaster check-feed <slug>`` checks our feed as served, which takes this layer's URL map.
    app.extensions[CHECK_SHOW_EXTENSION] = feeds.check_show
    # Background jobs write feed files with the same URLs (``podcaster.jobs``).
    app.extensions[SHOW_LINKS_EXTENSION] = feeds.podcast_links
    app.extensions[BLOG_FEED_EXTENSION] = feeds.current_blog_feed
    errors.init_app(app)
    template_helpers.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    pages.init_app(app)
    analytics.init_app(app)
    from . import uploads  # file parts written straight into the media folder
    uploads.init_app(app)
