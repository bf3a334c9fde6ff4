"""``podcaster doctor``, ``podcaster export`` and ``podcaster import-backup``."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..content.backup import BackupError, export_site, import_site
from ..content.integrity import check
from ..extensions import db
from .common import media_store, upgrade_schema


@click.command("doctor")
@click.option("--fix", is_flag=True, help="Repair what is safe to repair (see the report).")
@click.option("--quick", is_flag=True, help="Skip re-hashing every file.")
@with_appcontext
def doctor_command(fix: bool, quick: bool):
    """Check that the database and the media folder agree; exit 1 when something is wrong."""
    report = check(db.session, media_store(), verify_checksums=not quick, fix=fix)
    for finding in report.findings:
        state = " (fixed)" if finding.fixed else ""
        click.echo(f"{finding.severity}: {finding.kind}: {finding.path}: {finding.message}{state}")
    if report.errors:
        click.echo(f"{len(report.errors)} problem(s) need attention.")
        raise SystemExit(1)
    click.echo("Database and media folder agree.")


@click.command("export")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_command(target: str):
    """Write a backup of every record and media file to TARGET (a .zip)."""
    try:
        manifest = export_site(db.session, media_store(), target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(manifest["tables"].values())
    click.echo(f"Wrote {target}: {rows} records, {len(manifest['media'])} media files.")


@click.command("import-backup")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_backup_command(source: str):
    """Restore a backup made by `podcaster export` into an empty site."""
    upgrade_schema()
    try:
        manifest = import_site(db.session, media_store(), source, max_bytes=current_app.config["BACKUP_MAX_BYTES"])
    except BackupError as exc:
        # One line, whatever the archive put in a name or the database put in its message.
        raise click.ClickException(" ".join(str(exc).split())) from exc
    click.echo(f"Restored {sum(manifest['tables'].values())} records and {len(manifest['media'])} media files.")


COMMANDS = (doctor_command, export_command, import_backup_command)
