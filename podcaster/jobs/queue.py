"""The queue itself: Huey on SQLite (one machine) or Redis (several), chosen by ``QUEUE_URL``.

Huey, because it is one well-kept library that keeps its queue in a SQLite file with no server at all
(the default, in the instance folder) and in Redis across machines with the same task code, and brings
retries with backoff, scheduled tasks (an ``eta``) and periodic tasks. RQ and Dramatiq need Redis or
RabbitMQ even on one machine; procrastinate needs PostgreSQL, which a SQLite site does not have.
"""
from __future__ import annotations

import os

from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey

#: Where ``init_app`` keeps the app's Huey in ``app.extensions``.
HUEY_EXTENSION = "podcaster.huey"
QUEUE_NAME = "podcaster"
#: Prefix of each machine's own queue (``podcaster.host.<HOST_NAME>``): jobs only that machine can run.
HOST_QUEUE_PREFIX = QUEUE_NAME + ".host."
#: Seconds a SQLite queue operation waits for the file's lock.
SQLITE_LOCK_TIMEOUT = 60


def default_queue_url(instance_path: str) -> str:
    """The SQLite queue file in the instance folder."""
    return "sqlite:///" + os.path.join(instance_path, "queue.sqlite")


def spans_machines(url: str) -> bool:
    """Whether a queue URL names a queue shared by several machines (Redis), not one machine's file."""
    return url.startswith(("redis://", "rediss://", "unix://"))


def host_queue_name(host: str) -> str:
    """The name of the queue of jobs bound to one machine (its staged uploads)."""
    return HOST_QUEUE_PREFIX + host


def make_huey(url: str, name: str = QUEUE_NAME) -> Huey:
    """The Huey for a queue URL.

    Args:
        url: ``sqlite:///path/to/file``, ``redis://host:port/db`` (or ``rediss://``, ``unix://``), or
            ``memory://`` (one process only: the queue lives and dies with it).
        name: the queue's name (``QUEUE_NAME``, or ``host_queue_name`` for one machine's jobs).

    Returns:
        The Huey instance (no task registered yet).

    Raises:
        ValueError: a URL of another kind.
    """
    if spans_machines(url):
        # blocking reads: a worker wakes the moment a job is queued instead of polling
        return RedisHuey(name, url=url, blocking=True)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # Huey takes an exclusive lock for every queue operation; a web worker starting while the consumer
        # is busy waits for it rather than failing at its 5 s default.
        return SqliteHuey(name, filename=path, timeout=SQLITE_LOCK_TIMEOUT)
    if url == "memory://":
        return MemoryHuey(name)
    raise ValueError(f"PODCASTER_QUEUE_URL must start with sqlite:///, redis:// or be memory://, not {url!r}")
