"""The job wrapper: every task runs in an app context, leaves a record, and is retried with backoff.

A task is a plain function ``job(context, **arguments)`` taking a ``JobContext`` (the app, its session,
the present, a progress callback) and JSON arguments; ``register`` turns it into a Huey task. The
wrapper marks the record running (counting the attempt), done with the function's message, or
``retrying``/``failed`` with the error; Huey's ``retry_delay`` times ``retry_backoff`` spaces the
attempts. Keys (see ``content.jobrecords``) make queuing idempotent: a job whose result key is already
queued or done is not queued again.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, has_app_context
from huey.api import Huey
from huey.exceptions import CancelExecution
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..content import jobrecords
from ..content.feeds.cache import CHANGED_INFO_KEY
from ..extensions import db
from ..models import JobRecord, JobState, utcnow
from .queue import HUEY_EXTENSION, default_queue_url, host_queue_name, make_huey, spans_machines

logger = logging.getLogger(__name__)

TASKS_EXTENSION = "podcaster.jobs"
#: name -> (job, register options) of the jobs bound to the machine named by their ``host`` argument.
HOST_JOBS_EXTENSION = "podcaster.host_jobs"
#: host name -> (Huey, its tasks by name): the queues of machine-bound jobs, built when first needed.
HOST_QUEUES_EXTENSION = "podcaster.host_queues"
_host_queues_lock = threading.Lock()
#: Each failed attempt waits this many times longer than the one before.
RETRY_BACKOFF = 2
#: ``session.info`` key naming the job a session runs (a feed refresh does not queue itself again).
JOB_INFO_KEY = "podcaster.job"
#: States in which a key counts as taken: the job will make (or made) its result.
PENDING_OR_DONE = (JobState.QUEUED, JobState.RUNNING, JobState.RETRYING, JobState.DONE)


@dataclass
class JobContext:
    """What a job function gets: the app, the session it writes through, the present, its record."""

    app: Flask
    session: Session
    task_id: str
    now: datetime

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Show how far the job is on the Jobs page (commits the session: call it between steps)."""
        jobrecords.progress(self.session, self.task_id, done, total, app_now(self.app), message)


def app_now(app: Flask) -> datetime:
    """The app's present as naive UTC (tests set ``CLOCK``, as for the web)."""
    clock = app.config.get("CLOCK")
    return clock() if clock else utcnow()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def register(app: Flask, huey: Huey, name: str, job: Callable[..., str | None], *, retries: int = 0,
             retry_delay: int = 0, periodic: Callable | None = None,
             permanent: tuple[type[Exception], ...] = (), host_bound: bool = False,
             registry: dict | None = None) -> None:
    """Make ``job`` a Huey task named ``name`` that runs in ``app``'s context and keeps its record.

    Args:
        app: the app whose database and settings the job uses.
        huey: the queue.
        name: the task's name (stable: queued tasks are found by it).
        job: ``job(context, **arguments)``, returning a message for the record (or None).
        retries: attempts after the first failure.
        retry_delay: seconds before the first retry; each later one waits ``RETRY_BACKOFF`` times longer.
        periodic: a Huey ``crontab`` to run the job on by itself (the consumer's scheduler queues it).
        permanent: errors another attempt cannot mend (a feed that is not RSS): the job fails at once.
        host_bound: the job needs a file only one machine has (its ``host`` argument names it): with a
            queue shared by several machines it goes to that machine's own queue (``host_queue``).
        registry: where the task is kept by name (default: the app's shared queue's tasks).
    """
    if host_bound:
        app.extensions[HOST_JOBS_EXTENSION][name] = (job, {"retries": retries, "retry_delay": retry_delay,
                                                           "permanent": permanent})

    def run(task=None, **arguments):
        with app.app_context():
            session = db.session
            session.info[JOB_INFO_KEY] = name
            try:
                jobrecords.started(session, task.id, name, app_now(app), arguments=arguments)
                context = JobContext(app, session, task.id, app_now(app))
                try:
                    message = job(context, **arguments)
                except Exception as exc:
                    logger.warning("job %s (%s) failed: %s", name, task.id, _describe(exc))
                    final = isinstance(exc, permanent)
                    jobrecords.errored(session, task.id, _describe(exc), app_now(app),
                                       will_retry=task.retries > 0 and not final)
                    if final:
                        raise CancelExecution(retry=False) from exc
                    raise
                jobrecords.finished(session, task.id, app_now(app), message or "")
            finally:
                session.info.pop(JOB_INFO_KEY, None)
                db.session.remove()

    options = {"retries": retries, "retry_delay": retry_delay, "retry_backoff": RETRY_BACKOFF,
               "context": True, "name": name}
    task = huey.periodic_task(periodic, **options)(run) if periodic else huey.task(**options)(run)
    (app.extensions[TASKS_EXTENSION] if registry is None else registry)[name] = task


def host_queue(app: Flask, host: str) -> tuple[Huey, dict]:
    """The queue of the jobs bound to machine ``host``, and its tasks by name.

    A SQLite or memory queue belongs to one machine already: it is the app's own queue. A Redis queue is
    shared by every machine, so each machine also has its own (``podcaster.host.<name>``), which only the
    consumers started on that machine serve (``podcaster run``'s and ``podcaster worker``'s).
    """
    url = app.config.get("QUEUE_URL") or default_queue_url(app.instance_path)
    if not spans_machines(url):
        return queue_of(app), app.extensions[TASKS_EXTENSION]
    queues = app.extensions[HOST_QUEUES_EXTENSION]
    with _host_queues_lock:
        if host not in queues:
            huey, tasks = make_huey(url, host_queue_name(host)), {}
            for name, (job, options) in app.extensions[HOST_JOBS_EXTENSION].items():
                register(app, huey, name, job, registry=tasks, **options)
            queues[host] = (huey, tasks)
        return queues[host]


def own_host_queue(app: Flask) -> Huey | None:
    """This machine's own queue (``HOST_NAME``) when it is not the app's queue itself, else None."""
    huey, _ = host_queue(app, app.config["HOST_NAME"])
    return None if huey is queue_of(app) else huey


def _queue_for(app: Flask, name: str, arguments: dict) -> tuple[Huey, dict]:
    if name in app.extensions[HOST_JOBS_EXTENSION] and arguments.get("host"):
        return host_queue(app, arguments["host"])
    return queue_of(app), app.extensions[TASKS_EXTENSION]


def queue_of(app: Flask | None = None) -> Huey:
    """The app's Huey (the current app's by default)."""
    return (app or current_app).extensions[HUEY_EXTENSION]


def enqueue(name: str, *, label: str, key: str | None = None,
            key_states: Iterable[JobState] = PENDING_OR_DONE, eta: datetime | None = None,
            **arguments) -> str | None:
    """Queue a job of the current app, with its record.

    Args:
        name: the task's name.
        label: what it does, for the Jobs page.
        key: the result it makes; when a record with this key is in one of ``key_states`` nothing is
            queued (a ping already sent for this version of the feed, a refresh already waiting).
        key_states: which states take the key.
        eta: run it at this time (naive UTC), not at once.
        **arguments: the job's JSON arguments.

    Returns:
        The task id, or None when nothing was queued (the key is taken, or the queue is unreachable: the
        record then says so, and the periodic refresh catches up).
    """
    app = current_app._get_current_object()
    huey, tasks = _queue_for(app, name, arguments)
    task = tasks[name].s(**arguments)
    if eta is not None:
        task.eta = eta
    with Session(db.engine) as records:
        if key and jobrecords.key_taken(records, key, [state.value for state in key_states]):
            return None
        jobrecords.queued(records, task.id, name, app_now(app), label=label, key=key, arguments=arguments)
        try:
            huey.enqueue(task)
        except Exception as exc:  # noqa: BLE001 - an edit never fails because the queue is away
            logger.warning("could not queue %s: %s", name, _describe(exc))
            jobrecords.errored(records, task.id, f"The queue could not be reached: {_describe(exc)}",
                               app_now(app), will_retry=False)
            return None
    return task.id


def requeue_interrupted(app: Flask) -> int:
    """Queue again every job whose record says it was running: its worker was killed mid-job.

    Huey takes a task off the queue when a worker starts it, so a worker killed then (SIGKILL, power
    loss) loses the task while its record stays ``running``. Every job here is idempotent (a transfer
    switches its row only after the verified upload), so running it again is safe, but only while no
    other consumer of this queue is running jobs: ``podcaster worker --requeue-interrupted`` is for
    restarting the only worker. A job bound to another machine (a transfer of a file staged there) is left
    to that machine's worker.

    Returns:
        How many jobs were queued again (each under its old task id, so its record counts the attempt).
    """
    host_jobs = app.extensions[HOST_JOBS_EXTENSION]
    with Session(db.engine) as records:
        stuck = records.execute(db.select(JobRecord).where(JobRecord.state == JobState.RUNNING.value)).scalars().all()
        here = app.config["HOST_NAME"]
        stuck = [record for record in stuck if record.name in app.extensions[TASKS_EXTENSION]
                 and (record.name not in host_jobs or (record.arguments or {}).get("host", here) == here)]
        for record in stuck:
            huey, tasks = _queue_for(app, record.name, record.arguments or {})
            task = tasks[record.name].s(**(record.arguments or {}))
            task.id = record.task_id
            record.state = JobState.QUEUED.value
            record.error = "Its worker stopped during the job; queued again"
            record.updated_at = app_now(app)
            records.commit()
            huey.enqueue(task)
    return len(stuck)


def run_pending(app: Flask, timestamp: datetime | None = None, limit: int = 100,
                huey: Huey | None = None) -> int:
    """Run what the queue holds now, in this process, as a consumer's worker would (tests, ``--once``).

    Args:
        app: the app.
        timestamp: the present for the schedule (naive UTC): scheduled tasks due by then run too.
        limit: most tasks run (a job that keeps queueing others cannot loop forever).
        huey: the queue to run (default the app's; ``own_host_queue`` for this machine's).

    Returns:
        How many tasks ran.
    """
    huey = huey or queue_of(app)
    moment = timestamp or utcnow()
    ran = 0
    while ran < limit:
        for task in huey.read_schedule(moment):
            huey.enqueue(task)
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task, moment)
        ran += 1
    return ran


def _queue_refresh_after_commit(session: Session) -> None:
    """After a commit that changed a feed: queue one feed refresh (files and pings), never twice waiting."""
    if session.in_nested_transaction():
        return  # a savepoint released (SQLAlchemy sends after_commit then too): wait for the real commit
    if not session.info.pop(CHANGED_INFO_KEY, False) or not has_app_context():
        return
    if TASKS_EXTENSION not in current_app.extensions or str(session.info.get(JOB_INFO_KEY, "")).startswith("refresh_feeds"):
        return
    from .tasks import queue_refresh

    try:
        queue_refresh()
    except Exception:  # noqa: BLE001 - the edit is committed; the periodic refresh catches up
        logger.exception("could not queue the feed refresh")


def _queue_retags_after_commit(session: Session) -> None:
    """After a commit that changed what an MP3's tags say: queue its re-tagging (``content.retagging``)."""
    if session.in_nested_transaction():
        return  # a savepoint released, not the transaction committed
    from ..content.retagging import take_requests

    requests = take_requests(session)
    if requests is None or not has_app_context() or TASKS_EXTENSION not in current_app.extensions:
        return
    if session.info.get(JOB_INFO_KEY) == "import_podcast":
        return  # the importer keeps files as they were published (``attach_audio`` without ``tag_year``)
    from .tasks import queue_retags

    try:
        queue_retags(requests)
    except Exception:  # noqa: BLE001 - the edit is committed; the tags stay as they were, nothing breaks
        logger.exception("could not queue the re-tagging")


def init_app(app: Flask) -> None:
    """Build the app's queue from ``QUEUE_URL`` and register the tasks."""
    from . import tasks

    url = app.config.get("QUEUE_URL") or default_queue_url(app.instance_path)
    huey = make_huey(url)
    app.extensions[HUEY_EXTENSION] = huey
    app.extensions[TASKS_EXTENSION] = {}
    app.extensions[HOST_JOBS_EXTENSION] = {}
    app.extensions[HOST_QUEUES_EXTENSION] = {}
    tasks.register_all(app, huey)
    if not event.contains(Session, "after_commit", _queue_refresh_after_commit):
        event.listen(Session, "after_commit", _queue_refresh_after_commit)
    if not event.contains(Session, "after_commit", _queue_retags_after_commit):
        event.listen(Session, "after_commit", _queue_retags_after_commit)
