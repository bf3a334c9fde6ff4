"""``podcaster stats ...``: listener statistics from the command line (nginx logs, the user-agent list)."""
from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from ..content.analytics import counting, geo, logs, reports, user_agents
from ..extensions import db
from ..jobs.runner import app_now
from ..models import Show


@click.group("stats")
def stats_group():
    """Listener statistics: ingest nginx access logs, refresh the user-agent list."""


def _refreshed() -> Path:
    return user_agents.refreshed_path(current_app.config.get("USER_AGENTS_FILE"), current_app.instance_path)


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
        report = logs.ingest_files(db.session, files, app_now(current_app), agents, country)
    except (OSError, ValueError) as error:  # ValueError: also a GEOIP_DB that is not a MaxMind DB
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


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"--since {value!r} is not a date: write it as YYYY-MM-DD (a UTC day).") from None


@stats_group.command("report")
@click.argument("show", required=False)
@click.option("--since", "since_text", metavar="DATE", help="Count from this UTC day (YYYY-MM-DD); default: all.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout: show, episode, released, app, downloads.")
@with_appcontext
def report_command(show: str | None, since_text: str | None, as_csv: bool):
    """Downloads per episode and by app, for SHOW (its slug) or every show; today's hits included.

    The new hits are rolled up first, so the figures are those of this minute.
    """
    since = _since(since_text)
    shows = db.session.execute(db.select(Show).order_by(Show.position, Show.title)).scalars().all()
    if show is not None:
        shows = [item for item in shows if item.slug == show]
        if not shows:
            raise click.ClickException(f"no show with the slug {show!r} (`podcaster stats report` lists every show).")
    try:
        counting.roll_up(db.session, app_now(current_app),
                         current_app.config.get("ANALYTICS_KEEP_DAYS", counting.KEEP_DAYS))
    except OperationalError as error:  # SQLite: another roll-up held the database past the busy timeout
        db.session.rollback()
        raise click.ClickException("another roll-up of the statistics is writing them; try again in a minute "
                                   f"({' '.join(str(error.orig).split())}).") from error
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["show", "episode", "released", "app", "downloads"])
    for item in shows:
        rows = reports.episode_report(db.session, item.id, since)
        if as_csv:
            for row in rows:
                released = row.released.isoformat() if row.released else ""
                writer.writerow([item.slug, row.title, released, "All apps", row.downloads])
                writer.writerows([item.slug, row.title, released, app.name, app.downloads] for app in row.apps)
            continue
        total = sum(row.downloads for row in rows)
        click.echo(f"{item.title} ({item.slug}): {total:,} download{'s' if total != 1 else ''}"
                   f"{f' since {since.isoformat()}' if since else ''}")
        for row in rows:
            apps = ", ".join(f"{app.name} {app.downloads:,}" for app in row.apps)
            released = row.released.isoformat() if row.released else "draft     "
            click.echo(f"  {released}  {row.downloads:>8,}  {row.title}{f'  ({apps})' if apps else ''}")


COMMANDS = (stats_group,)
