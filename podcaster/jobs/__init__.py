"""Background jobs: Huey tasks that run content functions with a session from the app.

``init_app`` builds the app's queue from ``QUEUE_URL`` (``queue.py``), registers the tasks
(``tasks.py``) through the one job wrapper (``runner.py``: the job record, retries with backoff), and
queues a feed refresh after every commit that changed a feed. ``enqueue`` is how the web and the
command line queue a job. Nothing in ``content/`` knows about the queue.
"""
from __future__ import annotations

from .queue import HUEY_EXTENSION, make_huey
from .runner import enqueue, init_app, queue_of, run_pending

__all__ = ["HUEY_EXTENSION", "enqueue", "init_app", "make_huey", "queue_of", "run_pending"]
