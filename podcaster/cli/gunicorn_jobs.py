"""gunicorn settings module for ``podcaster run``: the master starts a ``podcaster worker`` beside the site.

So the README's one command serves the site and runs its jobs. The consumer runs in a process of its
own, a child of the gunicorn master, never as threads inside the master: gunicorn forks its web
workers from the master at any time (at start, and again whenever one dies), and a fork copies
whatever another thread held at that moment. Three bugs came from consumer threads in the master:
SQLAlchemy's mapper configuration caught half-done (a RecursionError on every page), the idna codec's
import lock held for good ("unknown encoding: idna"), and SQLite's per-process lock records of the
queue file, which made a new web worker wait 60 s for a lock nobody held and fail to boot.
With ``PODCASTER_RUN_WORKER=false`` (a ``podcaster worker`` runs elsewhere) the child serves only this
machine's own queue (a Redis queue's ``podcaster.host.<HOST_NAME>``), or is not needed at all.
"""
from __future__ import annotations

import ctypes
import signal
import subprocess
import sys

#: Seconds the worker gets to finish its running jobs when the site stops.
STOP_GRACE = 30

_workers: list[subprocess.Popen] = []


def _die_with_parent() -> None:
    """In the child: be sent SIGINT if the gunicorn master dies without stopping it (killed, crashed)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG, Linux only
    except (OSError, AttributeError):
        pass  # elsewhere the worker outlives a killed master until stopped by hand


def when_ready(server) -> None:
    """Start the job worker once gunicorn listens."""
    worker = subprocess.Popen([sys.executable, "-m", "podcaster", "worker", "--started-by-run"],
                              preexec_fn=_die_with_parent)
    _workers.append(worker)
    server.log.info("Job worker started beside the site (pid %s)", worker.pid)


def on_exit(server) -> None:
    """Let running jobs finish when gunicorn stops: SIGINT is Huey's graceful stop (SIGTERM its immediate one)."""
    for worker in _workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=5)
