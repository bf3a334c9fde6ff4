"""``podcaster worker``: run the background jobs (feed files, pings, imports, scheduled publication)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..jobs import queue_of, run_pending
from ..jobs.runner import requeue_interrupted as requeue_jobs


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
@click.option("--once", is_flag=True, help="Run what is queued and due now, then exit.")
@click.option("--requeue-interrupted", is_flag=True,
              help="First queue again the jobs a killed worker left running (only when no other worker runs).")
@with_appcontext
def worker_command(threads: int, once: bool, requeue_interrupted: bool):
    """Run a job consumer for this site's queue (PODCASTER_QUEUE_URL) until stopped (Ctrl-C, SIGTERM)."""
    app = current_app._get_current_object()
    if requeue_interrupted:
        click.echo(f"{requeue_jobs(app)} interrupted jobs queued again.")
    if once:
        click.echo(f"{run_pending(app)} jobs run.")
        return
    consumer = queue_of(app).create_consumer(workers=threads, worker_type="thread", periodic=True)
    click.echo(f"Worker running {threads} threads on {type(queue_of(app)).__name__} (Ctrl-C to stop)")
    consumer.run()


COMMANDS = (worker_command,)
