"""The ``podcaster`` command: run the site, manage the schema, users and demo content.

``podcaster`` is the Flask CLI for this app (``podcaster routes``, ``podcaster db ...``
work too) plus the commands of the modules below, registered on the app in ``init_app``:
``site`` (init, run, create-admin, demo), ``episodes`` (add-episode), ``feeds`` (check-feed,
import-feed), ``maintenance`` (export, import-backup, doctor), ``jobs`` (worker) and ``stats``
(ingest, refresh-agents). They share ``common``;
none of them imports this module, so there is no import circle.
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, shell_command

from . import episodes, feeds, jobs, maintenance, site, stats
from .common import upgrade_schema

__all__ = ["init_app", "main", "upgrade_schema"]


def _create_app():
    from .. import create_app

    return create_app()


# Flask's own ``run`` (the development server) is left out: ``podcaster run`` serves with gunicorn.
@click.group(
    cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
    add_version_option=False, load_dotenv=False,
)
def main():
    """Podcaster: a self-hosted publishing home for authors who podcast."""


main.add_command(shell_command)
main.add_command(routes_command)


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI."""
    for command in (*site.COMMANDS, *maintenance.COMMANDS, *episodes.COMMANDS, *feeds.COMMANDS, *jobs.COMMANDS,
                    *stats.COMMANDS):
        app.cli.add_command(command)
