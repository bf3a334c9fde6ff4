"""What several command modules share: the schema upgrade and the media store of the running app."""
from __future__ import annotations

from flask import current_app
from flask_migrate import upgrade

from ..content.storage import MediaStore


def upgrade_schema() -> None:
    """Create the schema or bring it up to the newest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)


def media_store() -> MediaStore:
    """The app's media store (``MEDIA_ROOT``)."""
    return MediaStore(current_app.config["MEDIA_ROOT"])
