"""The record each background job leaves for the author: state, progress, error (the Jobs page reads it).

The job wrapper (``podcaster.jobs``) writes these through the session it runs the job with; nothing here
knows about the queue. A record is keyed by the queue's task id, which a retry keeps, so one job is one
row however often it is tried.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import JobRecord, JobState

#: Longest error text kept (a traceback's last line is what the author needs; the log has the rest).
MAX_ERROR_CHARS = 4000


def queued(session: Session, task_id: str, name: str, now: datetime, *, label: str = "", key: str | None = None,
           arguments: Mapping | None = None) -> JobRecord:
    """Create the record of a job just put on the queue (committed here).

    Args:
        session: the database session.
        task_id: the queue's id of the task.
        name: the job's name ("ping", "refresh_feeds"...).
        now: the present.
        label: what the job does, for people.
        key: the result the job makes, when running it twice must make it once (see ``already_done``).
        arguments: what the job was queued with, JSON values, so it can be queued again.

    Returns:
        The record.
    """
    record = JobRecord(task_id=task_id, name=name, label=label[:300], key=key, arguments=dict(arguments or {}),
                       state=JobState.QUEUED.value, created_at=now, updated_at=now)
    session.add(record)
    session.commit()
    return record


def started(session: Session, task_id: str, name: str, now: datetime, *, label: str = "",
            arguments: Mapping | None = None) -> JobRecord:
    """Mark a job running and count the attempt; the record is made when the queue had none (committed).

    Returns:
        The record.
    """
    record = by_task(session, task_id)
    if record is None:
        record = JobRecord(task_id=task_id, name=name, label=label[:300], arguments=dict(arguments or {}),
                           created_at=now)
        session.add(record)
    record.state = JobState.RUNNING.value
    record.attempts = (record.attempts or 0) + 1
    record.updated_at = now
    session.commit()
    return record


def progress(session: Session, task_id: str, done: int, total: int, now: datetime, message: str = "") -> None:
    """Note how far a job is (committed here, so the Jobs page sees it while the job runs)."""
    session.execute(update(JobRecord).where(JobRecord.task_id == task_id).values(
        progress_done=done, progress_total=total, message=message[:500], updated_at=now))
    session.commit()


def finished(session: Session, task_id: str, now: datetime, message: str = "") -> None:
    """Mark a job done (committed here); its progress shows complete."""
    record = by_task(session, task_id)
    if record is None:
        return
    record.state = JobState.DONE.value
    record.error = None
    record.progress_done = max(record.progress_done, record.progress_total)
    if message:
        record.message = message[:500]
    record.updated_at = record.finished_at = now
    session.commit()


def errored(session: Session, task_id: str, error: str, now: datetime, *, will_retry: bool) -> None:
    """Record why an attempt failed: ``retrying`` while the queue will try again, else ``failed``.

    The session is rolled back first (the attempt's half-done writes are not kept), then the record is
    committed.
    """
    session.rollback()
    session.execute(update(JobRecord).where(JobRecord.task_id == task_id).values(
        state=(JobState.RETRYING if will_retry else JobState.FAILED).value, error=error[-MAX_ERROR_CHARS:],
        updated_at=now, finished_at=None if will_retry else now))
    session.commit()


def already_done(session: Session, key: str) -> bool:
    """Whether a job with this result key has finished already (the second run then does nothing)."""
    return session.execute(select(JobRecord.id).where(
        JobRecord.key == key, JobRecord.state == JobState.DONE.value).limit(1)).first() is not None


def key_taken(session: Session, key: str, states: list[str]) -> bool:
    """Whether a job with this key is in one of ``states`` (queued, done...): then it is not queued again."""
    return session.execute(select(JobRecord.id).where(
        JobRecord.key == key, JobRecord.state.in_(states)).limit(1)).first() is not None


def by_task(session: Session, task_id: str) -> JobRecord | None:
    """The record of one task, if any."""
    return session.execute(select(JobRecord).where(JobRecord.task_id == task_id)).scalar_one_or_none()


def recent(session: Session, limit: int = 100) -> list[JobRecord]:
    """The newest records first (for the Jobs page)."""
    return list(session.execute(select(JobRecord).order_by(JobRecord.id.desc()).limit(limit)).scalars())
