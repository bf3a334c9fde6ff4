"""Thin blueprints, one per area. Views parse the request, call content code, render."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from ..content.feeds.doctor import CHECK_SHOW_EXTENSION
from ..content.feeds.files import BLOG_FEED_EXTENSION, SHOW_LINKS_EXTENSION
from ..content.http import FetchPolicy
from ..content.storage import MediaStore
from ..content.storage_s3 import S3MediaStore, remote_store_from_config, store_from_config
from ..models import utcnow


def current_time() -> datetime:
    """The present as naive UTC; tests set ``app.config["CLOCK"]`` to move time."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else utcnow()


def media_store() -> MediaStore:
    """The store new media goes to: the local folder, or the S3 bucket (``MEDIA_BACKEND``), whose
    transfers go through the job queue (``jobs.tasks.with_transfer_jobs``)."""
    from ..jobs.tasks import with_transfer_jobs

    return with_transfer_jobs(store_from_config(current_app.config), current_app)


def remote_media_store() -> S3MediaStore | None:
    """The S3 store when a bucket is configured (files already there are read from it), else None."""
    return remote_store_from_config(current_app.config)


def fetch_policy() -> FetchPolicy:
    """The policy for requests made for the author (``FETCH_ALLOW_PRIVATE`` decides about private addresses)."""
    return FetchPolicy.from_settings(current_app.config)


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
