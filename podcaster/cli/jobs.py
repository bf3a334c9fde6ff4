"""``podcaster worker``: run the background jobs (feed files, pings, imports, scheduled publication)."""
from __future__ import annotations

import gc

import click
from flask import current_app
from flask.cli import with_appcontext
from huey.consumer import Consumer

from ..jobs import queue_of, run_pending
from ..jobs.runner import own_host_queue
from ..jobs.runner import requeue_interrupted as requeue_jobs


class _ConsumerStoppingOthers(Consumer):
    """A Huey consumer that, told to stop (its signal handlers), tells other consumers of the process too.

    Huey stops one consumer at a time: a second one (this machine's own queue) only began to stop once the
    first had, and with Redis each waits up to its blocking read's timeout (1 s), so the waits added up.
    Flagged together, they end in the same second.
    """

    def __init__(self, huey, others: list[Consumer], **options) -> None:
        self._others = others
        super().__init__(huey, **options)

    def stop(self, graceful: bool = False) -> None:
        for other in self._others:
            other.stop_flag.set()
        super().stop(graceful)


def _freeze_what_is_loaded() -> None:
    """Keep the collector away from what was loaded at start (the app, its models, every library).

    About 170,000 objects live as long as the process; the interpreter's teardown on exit walked them all,
    several collections over (1-2 s of CPU, several seconds on a busy machine: most of the time the worker
    took to stop). Frozen, they are skipped, and the running jobs' own garbage is still collected.
    """
    gc.collect()
    gc.freeze()


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
@click.option("--once", is_flag=True, help="Run what is queued and due now, then exit.")
@click.option("--requeue-interrupted", is_flag=True,
              help="First queue again the jobs a killed worker left running (only when no other worker runs).")
@click.option("--started-by-run", is_flag=True, hidden=True,
              help="Started by `podcaster run`: with PODCASTER_RUN_WORKER=false serve only this machine's queue.")
@with_appcontext
def worker_command(threads: int, once: bool, requeue_interrupted: bool, started_by_run: bool):
    """Run a job consumer for this site's queue (PODCASTER_QUEUE_URL) until stopped (Ctrl-C, SIGTERM).

    With a Redis queue it also serves this machine's own queue (PODCASTER_HOST_NAME): the transfers of
    uploads staged in this machine's media folder.
    """
    app = current_app._get_current_object()
    if requeue_interrupted:
        click.echo(f"{requeue_jobs(app)} interrupted jobs queued again.")
    host_queue = own_host_queue(app)
    if started_by_run and not app.config.get("RUN_WORKER", True):
        if host_queue is None:
            click.echo("No job worker beside the site (PODCASTER_RUN_WORKER=false): a `podcaster worker` runs them.")
            return
        click.echo(f"Worker running on this machine's queue {host_queue.name} only (PODCASTER_RUN_WORKER=false)")
        host_consumer = host_queue.create_consumer(workers=1, worker_type="thread", periodic=False)
        _freeze_what_is_loaded()
        host_consumer.run()
        return
    if once:
        ran = run_pending(app)
        if host_queue is not None:
            ran += run_pending(app, huey=host_queue)
        click.echo(f"{ran} jobs run.")
        return
    host_consumer = None
    if host_queue is not None:
        host_consumer = host_queue.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer = _ConsumerStoppingOthers(queue_of(app), [host_consumer] if host_consumer else [], workers=threads,
                                       worker_type="thread", periodic=True)
    _freeze_what_is_loaded()
    if host_consumer is not None:
        host_consumer.start()  # its threads; run() below installs the signal handlers that stop the worker
    click.echo(f"Worker running {threads} threads on {type(queue_of(app)).__name__}"
               f"{f' and this machine’s queue {host_queue.name}' if host_queue is not None else ''}"
               " (Ctrl-C to stop)")
    try:
        consumer.run()
    finally:
        if host_consumer is not None:
            host_consumer.stop(graceful=True)


COMMANDS = (worker_command,)
