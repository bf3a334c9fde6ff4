"""gunicorn settings module for ``podcaster run``: a job consumer runs inside the gunicorn master.

So the README's one command serves the site and runs its jobs. The consumer's threads live in the
master, which forks the web workers: the app the consumer uses is made here, after gunicorn is ready,
and the web workers make their own (the app is not preloaded), so no connection crosses a fork.
Set ``PODCASTER_RUN_WORKER=false`` when a ``podcaster worker`` runs elsewhere.
"""
from __future__ import annotations

_consumer = None


def when_ready(server) -> None:
    """Start the consumer once gunicorn listens."""
    global _consumer
    from .. import create_app
    from ..jobs import queue_of

    app = create_app()
    if not app.config.get("RUN_WORKER", True):
        return
    _consumer = queue_of(app).create_consumer(workers=2, worker_type="thread", periodic=True)
    _consumer.start()
    server.log.info("Job consumer started in the gunicorn master")


def on_exit(server) -> None:
    """Let running jobs finish (Huey's graceful stop) when gunicorn stops."""
    if _consumer is not None:
        _consumer.stop(graceful=True)
