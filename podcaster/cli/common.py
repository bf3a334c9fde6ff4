"""What several command modules share: the schema upgrade, and the media store and fetch policy of the app."""
from __future__ import annotations

from flask import current_app
from flask_migrate import upgrade

from ..content.http import FetchPolicy
from ..content.storage import MediaStore


def upgrade_schema() -> None:
    """Create the schema or bring it up to the newest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)


def media_store() -> MediaStore:
    """The app's media store (``MEDIA_ROOT``)."""
    return MediaStore(current_app.config["MEDIA_ROOT"])


def fetch_policy() -> FetchPolicy:
    """The app's policy for fetching URLs (``FETCH_ALLOW_PRIVATE``)."""
    return FetchPolicy.from_settings(current_app.config)
