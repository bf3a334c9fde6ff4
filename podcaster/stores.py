"""The current app's media stores and fetch policy, read from its settings: the one place the web layer
(``podcaster.web``) and the commands (``podcaster.cli.common``) get them, each re-exporting these."""
from __future__ import annotations

from flask import current_app

from .content.http import FetchPolicy
from .content.storage import MediaStore
from .content.storage_s3 import S3MediaStore, remote_store_from_config, store_from_config


def media_store() -> MediaStore:
    """The store new media goes to: the local folder, or the S3 bucket (``MEDIA_BACKEND``), whose
    transfers go through the job queue (``jobs.tasks.with_transfer_jobs``).

    Raises:
        StorageError: the settings name no usable backend (``s3`` without a bucket, an unknown one).
    """
    from .jobs.tasks import with_transfer_jobs

    return with_transfer_jobs(store_from_config(current_app.config), current_app._get_current_object())


def remote_media_store() -> S3MediaStore | None:
    """The S3 store when a bucket is configured (files already there are read from it), else None."""
    return remote_store_from_config(current_app.config)


def fetch_policy() -> FetchPolicy:
    """The policy for requests made for the author (``FETCH_ALLOW_PRIVATE`` decides about private addresses)."""
    return FetchPolicy.from_settings(current_app.config)
