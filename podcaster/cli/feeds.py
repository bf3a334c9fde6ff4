"""``podcaster check-feed`` (the feed doctor on the command line) and ``podcaster import-feed``."""
from __future__ import annotations

import functools
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..content.feeds import doctor
from ..extensions import db
from ..models import Show
from .common import fetch_policy, media_store


@click.command("check-feed")
@click.argument("target")
@click.option("--timeout", default=doctor.FETCH_TIMEOUT, show_default=True, help="Seconds to wait for a URL.")
@with_appcontext
def check_feed_command(target: str, timeout: float):
    """Check a feed: one of our shows (by slug), a URL, or a file.

    Prints one line per rule (with how many items and the first few), errors first; what could not be
    checked for want of network is listed apart. Exit status 1 when the feed has errors, never for what
    could not be checked; 2 when the feed itself could not be reached (nothing was checked).
    """
    policy = fetch_policy()
    show = db.session.execute(db.select(Show).filter_by(slug=target)).scalar_one_or_none()
    if show is not None:
        # Checked as served, with the links of the web layer's URL map: the web layer registers the
        # checker on the app, so the commands import no view module.
        report = current_app.extensions[doctor.CHECK_SHOW_EXTENSION](show)
    elif target.startswith(("http://", "https://")):
        report = doctor.check_url(target, timeout=timeout, policy=policy)
    elif Path(target).is_file():
        report = doctor.check_feed(Path(target).read_bytes(), target,
                                   fetch_url=functools.partial(doctor.fetch, timeout=timeout, policy=policy))
    else:
        raise click.ClickException(f"{target!r} is neither a show slug, an http(s) URL nor a file.")
    for finding in report.errors + report.warnings + report.notes:
        click.echo(str(finding))
    if report.unchecked:
        click.echo("Could not check (network; not a fault of the feed):")
        for finding in report.unchecked:
            click.echo(str(finding))
    click.echo(f"{report.source}: {report.summary()}.")
    if report.errors:
        raise SystemExit(1)
    if any(finding.rule == "fetch.feed" for finding in report.unchecked):
        # Nothing was checked: not a verdict on the feed (so not 1), but not a clean bill either.
        click.echo(f"Could not check {report.source}: the feed itself could not be reached.", err=True)
        raise SystemExit(2)


@click.command("import-feed")
@click.argument("source")
@click.option("--keep-remote", is_flag=True, help="Keep enclosures on their current host instead of downloading.")
@with_appcontext
def import_feed_command(source: str, keep_remote: bool):
    """Import a show and its episodes from an RSS feed (URL or file); re-running updates it."""
    import os

    from ..content.feeds.importer import MAX_FEED_BYTES, FeedImportError, fetch_url, import_feed, read_limited

    policy = fetch_policy()

    try:
        if os.path.exists(source):
            with open(source, "rb") as handle:
                data = read_limited(handle, MAX_FEED_BYTES, "the feed")
        else:
            data = read_limited(fetch_url(source, MAX_FEED_BYTES, policy), MAX_FEED_BYTES, "the feed")
        result = import_feed(
            db.session, media_store(), data, policy=policy, download_audio=not keep_remote,
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


COMMANDS = (check_feed_command, import_feed_command)
