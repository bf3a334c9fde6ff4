"""``podcaster check-feed``: the feed doctor on the command line."""
from __future__ import annotations

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
    """Check a feed: one of our shows (by slug), a URL, or a file. Exit status 1 when it has errors."""
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
                                   fetch_url=lambda url: doctor.fetch(url, timeout=timeout, policy=policy))
    else:
        raise click.ClickException(f"{target!r} is neither a show slug, an http(s) URL nor a file.")
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(f"{report.source}: {len(report.errors)} error(s), {len(report.warnings)} warning(s).")
    if report.errors:
        raise SystemExit(1)


COMMANDS = (check_feed_command,)
