"""``podcaster doctor``, ``export``, ``import-backup`` and ``media migrate``."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..content.backup import BackupError, export_site, import_site
from ..content.integrity import check
from ..content.storage import StorageError
from ..content.storage_s3 import S3MediaStore
from ..content.transfers import migrate_media
from ..extensions import db
from ..models.media import STORED_IN_S3, STORED_LOCALLY
from .common import media_store, remote_media_store, upgrade_schema


def _reading_store():
    """The store that reads every row: the S3 one when a bucket is set (it reads local files too)."""
    return remote_media_store() or media_store()


@click.command("doctor")
@click.option("--fix", is_flag=True, help="Repair what is safe to repair (see the report).")
@click.option("--quick", is_flag=True, help="Skip re-hashing every file.")
@with_appcontext
def doctor_command(fix: bool, quick: bool):
    """Check that the database and the media folder agree; exit 1 when something is wrong."""
    report = check(db.session, _reading_store(), verify_checksums=not quick, fix=fix)
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
        manifest = export_site(db.session, _reading_store(), target)
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
    store = media_store()
    try:
        manifest = import_site(db.session, store, source, max_bytes=current_app.config["BACKUP_MAX_BYTES"])
    except BackupError as exc:
        # One line, whatever the archive put in a name or the database put in its message.
        raise click.ClickException(" ".join(str(exc).split())) from exc
    click.echo(f"Restored {sum(manifest['tables'].values())} records and {len(manifest['media'])} media files.")
    if isinstance(store, S3MediaStore):  # restored into the local folder: on to the bucket
        result = migrate_media(db.session, store, STORED_IN_S3)
        if result.failed:
            raise click.ClickException(f"{len(result.failed)} media file(s) could not be sent to the bucket "
                                       "(kept locally); run `podcaster media migrate --to s3` to retry")
        click.echo(f"Sent {result.moved} media files to the bucket.")


@click.group("media")
def media_group():
    """Where the media files live: the local folder or the S3 bucket."""


@media_group.command("migrate")
@click.option("--to", "target", type=click.Choice([STORED_IN_S3, STORED_LOCALLY]), required=True,
              help="Move every file to the S3 bucket or back to the local folder.")
@with_appcontext
def migrate_command(target: str):
    """Copy every media file to TARGET, verify its checksum, then switch its row; safe to re-run."""
    store = remote_media_store()
    if store is None:
        raise click.ClickException("no bucket configured: set PODCASTER_S3_BUCKET (and the other PODCASTER_S3_*)")
    try:
        if target == STORED_IN_S3:
            store.ensure_bucket()
    except StorageError as exc:
        raise click.ClickException(" ".join(str(exc).split())) from exc

    def progress(done: int, total: int, path: str, outcome: str) -> None:
        click.echo(f"[{done}/{total}] {path}: {outcome}")

    result = migrate_media(db.session, store, target, progress)
    click.echo(f"{result.moved} moved, {result.already} already there, {len(result.failed)} failed.")
    if result.failed:
        raise click.ClickException("some files were not moved (see above); run the command again to retry")
    backend = "s3" if target == STORED_IN_S3 else "local"
    if (current_app.config.get("MEDIA_BACKEND") or "local") != backend:
        click.echo(f"Every file is now {'in the bucket' if backend == 's3' else 'local'}: set "
                   f"PODCASTER_MEDIA_BACKEND={backend} so new uploads go there too.")


COMMANDS = (doctor_command, export_command, import_backup_command, media_group)
