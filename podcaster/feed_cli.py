"""``podcaster check-feed``: the feed doctor on the command line."""
from __future__ import annotations

import functools
from pathlib import Path

import click
from flask.cli import with_appcontext

from .content.feeds import doctor
from .extensions import db
from .models import Show


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
    from .web import fetch_policy
    from .web.feeds import check_show

    policy = fetch_policy()
    show = db.session.execute(db.select(Show).filter_by(slug=target)).scalar_one_or_none()
    if show is not None:
        report = check_show(show)
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


COMMANDS = (check_feed_command,)
