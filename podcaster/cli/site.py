"""``podcaster init``, ``run``, ``create-admin`` and ``demo``: set up, serve and fill the site."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from .common import upgrade_schema


def forget_built_feeds() -> None:
    """Mark every cached feed stale: built feeds hold absolute URLs, and SITE_URL may have changed."""
    from ..content.feeds.cache import invalidate

    invalidate(db.session, all_shows=True, blog=True)
    db.session.commit()


@click.command("init")
@with_appcontext
def init_command():
    """Create the database schema, or upgrade it to the newest version."""
    upgrade_schema()
    forget_built_feeds()
    click.echo(f"Database ready: {_safe_url(current_app.config['DATABASE_URL'])}")


def _safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("create-admin")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_admin_command(email: str, password_stdin: bool):
    """Create an admin account (or reset its password)."""
    from ..models import User

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("The password must have at least 8 characters.")
    email = email.strip().lower()
    if "@" not in email:
        raise click.ClickException(f"{email!r} is not an email address.")
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    created = user is None
    if created:
        user = User(email=email)
        db.session.add(user)
    user.set_password(password)
    user.active = True
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} admin {email}.")


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo content (authors, books, videos, posts, a show) into an empty site."""
    from ..demo import load_demo

    upgrade_schema()
    result = load_demo(db.session, current_app.config["MEDIA_ROOT"])
    click.echo(result)


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True)
@click.option("--demo", is_flag=True, help="Load demo content first when the site is empty.")
@with_appcontext
def run_command(host: str, port: int, workers: int, demo: bool):
    """Upgrade the schema, then serve the site with gunicorn, and run the background jobs in a worker process beside it."""
    upgrade_schema()
    forget_built_feeds()
    if demo:
        from ..demo import load_demo

        click.echo(load_demo(db.session, current_app.config["MEDIA_ROOT"]))
    db.engine.dispose()  # no connection shared with the forked workers
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(
        gunicorn,
        # Threaded workers: a slow listener streaming audio or an author uploading
        # an hour of audio over a slow link must not block or get a worker killed.
        [gunicorn, "--bind", f"{host}:{port}", "--workers", str(workers), "--worker-class", "gthread",
         "--threads", "8", "--access-logfile", "-", "--config", "python:podcaster.cli.gunicorn_jobs",
         "podcaster:create_app()"],
    )


COMMANDS = (init_command, create_admin_command, demo_command, run_command)
