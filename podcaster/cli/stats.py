"""``podcaster stats ...``: listener statistics from the command line (nginx logs, the user-agent list)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..content.analytics import geo, logs, user_agents
from ..extensions import db
from ..models import utcnow


@click.group("stats")
def stats_group():
    """Listener statistics: ingest nginx access logs, refresh the user-agent list."""


def _refreshed() -> Path:
    return user_agents.refreshed_path(current_app.config.get("USER_AGENTS_FILE"), current_app.instance_path)


def _now():
    clock = current_app.config.get("CLOCK")
    return clock() if clock else utcnow()


@stats_group.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def ingest_command(files: tuple[Path, ...]):
    """Count the audio requests of nginx access logs (the podcaster_stats format; .gz too).

    Lines already ingested add nothing; the daily figures are then rolled up by the job queue.
    """
    from ..jobs.tasks import queue_roll_up

    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise click.ClickException(f"no such log file: {', '.join(missing)}")
    try:
        country = geo.country_lookup(current_app.config.get("GEOIP_DB"))
        agents = user_agents.current_list(_refreshed())
        report = logs.ingest_files(db.session, files, _now(), agents, country)
    except (OSError, ValueError) as error:
        raise click.ClickException(" ".join(str(error).split())) from error
    click.echo(f"{report.lines} lines: {report.added} hits added, {report.repeated} already ingested, "
               f"{report.ignored} not episode downloads, {report.too_old} too old to count "
               f"(their day's salt is destroyed), {report.unreadable} not in the podcaster_stats format.")
    if report.added:
        if queue_roll_up() is None:
            click.echo("The roll-up could not be queued; the periodic one will count these hits.")
        else:
            click.echo("Roll-up queued.")


@stats_group.command("refresh-agents")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@with_appcontext
def refresh_agents_command(file: Path):
    """Replace the OPAWG user-agent list (user-agents.json, same format) with FILE."""
    try:
        entries = user_agents.replace_list(file, _refreshed())
    except (user_agents.AgentListError, OSError) as error:
        raise click.ClickException(" ".join(str(error).split())) from error
    click.echo(f"User-agent list replaced: {entries} entries.")


COMMANDS = (stats_group,)
