"""gunicorn settings module for ``podcaster run``: a job consumer runs inside the gunicorn master.

So the README's one command serves the site and runs its jobs. The consumer's threads live in the
master, which forks the web workers: the app the consumer uses is made here, after gunicorn is ready,
and the web workers make their own (the app is not preloaded), so no connection crosses a fork.
Set ``PODCASTER_RUN_WORKER=false`` when a ``podcaster worker`` runs elsewhere: the master then serves only
this machine's own queue (``jobs.runner.own_host_queue``, with a Redis queue), the transfers of the uploads
staged in this machine's media folder, which no worker elsewhere can send.
"""
from __future__ import annotations

import signal

_consumers: list = []


def when_ready(server) -> None:
    """Start the consumer once gunicorn listens."""
    from .. import create_app
    from ..jobs import queue_of
    from ..jobs.runner import own_host_queue

    app = create_app()
    if app.config.get("RUN_WORKER", True):
        _consumers.append(queue_of(app).create_consumer(workers=2, worker_type="thread", periodic=True))
    host_queue = own_host_queue(app)
    if host_queue is not None:
        _consumers.append(host_queue.create_consumer(workers=1, worker_type="thread", periodic=False))
    # gunicorn forks its workers while the consumers' threads run: a module one of them is importing at that
    # moment stays locked in the child for good. A Redis consumer's first connect imports the idna codec
    # (host names are encoded with it), and a web worker forked then answered every request with
    # "LookupError: unknown encoding: idna"; imported here, before any thread starts, it cannot race.
    import encodings.idna  # noqa: F401

    # Huey's start() installs its own SIGINT/SIGTERM/SIGHUP handlers: gunicorn's must stay, so that
    # Ctrl-C and systemd stop the server (on_exit then stops the consumers).
    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    for consumer in _consumers:
        consumer.start()
    for number, handler in kept.items():
        signal.signal(number, handler)
    if _consumers:
        server.log.info("Job consumers started in the gunicorn master: %s",
                        ", ".join(consumer.huey.name for consumer in _consumers))


def on_exit(server) -> None:
    """Let running jobs finish (Huey's graceful stop) when gunicorn stops."""
    for consumer in _consumers:
        consumer.stop(graceful=True)
