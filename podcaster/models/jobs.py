"""The record of each background job, written by the job wrapper, read by the admin's Jobs page."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import utcnow


class JobState(enum.StrEnum):
    """Where a job is: queued, running, waiting for a retry, done or failed (no retries left)."""

    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"


class JobRecord(db.Model):
    """One job as the author sees it.

    ``task_id`` is the queue's id of the task (retries keep it). ``key`` names the result a job makes
    ("ping:websub:<feed url>:<etag>"): a job whose key already has a finished record does nothing, so a job
    run twice leaves one result. ``arguments`` are what the job was queued with (JSON), so the admin can
    queue it again. ``progress_done`` of ``progress_total`` steps feed the progress bar.
    """

    __tablename__ = "job_record"
    shown_on_pages = False  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    key: Mapped[str | None] = mapped_column(String(500), index=True)
    label: Mapped[str] = mapped_column(String(300), default="")
    arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
