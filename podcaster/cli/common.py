"""What several command modules share: the schema upgrade, and the media store and fetch policy of the app."""
from __future__ import annotations

from flask import current_app
from flask_migrate import upgrade

from ..content.http import FetchPolicy
from ..content.storage import MediaStore
from ..content.storage_s3 import S3MediaStore, remote_store_from_config, store_from_config


def upgrade_schema() -> None:
    """Create the schema or bring it up to the newest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)


def media_store() -> MediaStore:
    """The store new media goes to: the local folder, or the S3 bucket (``MEDIA_BACKEND``), whose
    transfers go through the job queue (``jobs.tasks.with_transfer_jobs``)."""
    from ..jobs.tasks import with_transfer_jobs

    return with_transfer_jobs(store_from_config(current_app.config), current_app)


def remote_media_store() -> S3MediaStore | None:
    """The S3 store when a bucket is configured (files already there are read from it), else None."""
    return remote_store_from_config(current_app.config)


def fetch_policy() -> FetchPolicy:
    """The app's policy for fetching URLs (``FETCH_ALLOW_PRIVATE``)."""
    return FetchPolicy.from_settings(current_app.config)
