"""What several command modules share: the schema upgrade, and the media store and fetch policy of the app."""
from __future__ import annotations

from flask import current_app
from flask_migrate import upgrade

from ..stores import fetch_policy, media_store, remote_media_store

__all__ = ["fetch_policy", "media_store", "remote_media_store", "upgrade_schema"]


def upgrade_schema() -> None:
    """Create the schema or bring it up to the newest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)
