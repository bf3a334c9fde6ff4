"""gunicorn settings module for ``podcaster run``: a job consumer runs inside the gunicorn master.

So the README's one command serves the site and runs its jobs. The consumer's threads live in the
master, which forks the web workers: the app the consumer uses is made here, after gunicorn is ready,
and the web workers make their own (the app is not preloaded), so no connection crosses a fork.
Set ``PODCASTER_RUN_WORKER=false`` when a ``podcaster worker`` runs elsewhere.
"""
from __future__ import annotations

import signal

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
    # Huey's start() installs its own SIGINT/SIGTERM/SIGHUP handlers: gunicorn's must stay, so that
    # Ctrl-C and systemd stop the server (on_exit then stops the consumer).
    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    _consumer.start()
    for number, handler in kept.items():
        signal.signal(number, handler)
    server.log.info("Job consumer started in the gunicorn master")


def on_exit(server) -> None:
    """Let running jobs finish (Huey's graceful stop) when gunicorn stops."""
    if _consumer is not None:
        _consumer.stop(graceful=True)
