"""``podcaster doctor``, ``podcaster export`` and ``podcaster import-backup``."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .backup import BackupError, export_site, import_site
from .content.storage import MediaStore
from .extensions import db
from .integrity import check


def _store() -> MediaStore:
    return MediaStore(current_app.config["MEDIA_ROOT"])


@click.command("doctor")
@click.option("--fix", is_flag=True, help="Repair what is safe to repair (see the report).")
@click.option("--quick", is_flag=True, help="Skip re-hashing every file.")
@with_appcontext
def doctor_command(fix: bool, quick: bool):
    """Check that the database and the media folder agree; exit 1 when something is wrong."""
    report = check(db.session, _store(), verify_checksums=not quick, fix=fix)
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
        manifest = export_site(db.session, _store(), target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(manifest["tables"].values())
    click.echo(f"Wrote {target}: {rows} records, {len(manifest['media'])} media files.")


@click.command("import-backup")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_backup_command(source: str):
    """Restore a backup made by `podcaster export` into an empty site."""
    from .cli import upgrade_schema

    upgrade_schema()
    try:
        manifest = import_site(db.session, _store(), source, max_bytes=current_app.config["BACKUP_MAX_BYTES"])
    except BackupError as exc:
        # One line, whatever the archive put in a name or the database put in its message.
        raise click.ClickException(" ".join(str(exc).split())) from exc
    click.echo(f"Restored {sum(manifest['tables'].values())} records and {len(manifest['media'])} media files.")


@click.command("import-feed")
@click.argument("source")
@click.option("--keep-remote", is_flag=True, help="Keep enclosures on their current host instead of downloading.")
@with_appcontext
def import_feed_command(source: str, keep_remote: bool):
    """Import a show and its episodes from an RSS feed (URL or file); re-running updates it."""
    import os

    from .importer import MAX_FEED_BYTES, FeedImportError, fetch_url, import_feed, read_limited
    from .web import fetch_policy

    policy = fetch_policy()

    try:
        if os.path.exists(source):
            with open(source, "rb") as handle:
                data = read_limited(handle, MAX_FEED_BYTES, "the feed")
        else:
            data = read_limited(fetch_url(source, MAX_FEED_BYTES, policy), MAX_FEED_BYTES, "the feed")
        result = import_feed(
            db.session, _store(), data, policy=policy, download_audio=not keep_remote,
            max_audio_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            max_image_bytes=current_app.config["MAX_IMAGE_BYTES"], progress=click.echo,
        )
    except FeedImportError as exc:
        raise click.ClickException(str(exc)) from exc
    for repair in result.repairs:
        click.echo(f"repaired: {repair}")
    for problem in result.problems:
        click.echo(f"warning: {problem}")
    click.echo(f"Imported {result.show.title!r} as /podcasts/{result.show.slug}: {result.created} new, "
               f"{result.updated} updated, {result.downloaded} audio files downloaded.")


COMMANDS = (doctor_command, export_command, import_backup_command, import_feed_command)
