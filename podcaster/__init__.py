"""Podcaster: a self-hosted publishing home for authors who podcast."""
from __future__ import annotations

import sqlalchemy.orm

import os
import secrets
from pathlib import Path

from flask import Flask

from .config import TEMPLATES_DIR, Config, from_environment


def _load_or_create_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first start."""
    key_file = Path(instance_path) / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application.

    Args:
        test_config: settings that replace the defaults and the environment
            (tests pass a throwaway database and media folder here).

    Returns:
        The configured Flask application.
    """
    # The instance folder (generated secret key, default SQLite file) can live
    # outside the checkout: a deployment's state directory, or a test's tmp_path.
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("PODCASTER_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
    )
    app.config.from_object(Config)
    if test_config is None:
        app.config.from_mapping(from_environment())
    else:
        app.config.from_mapping(test_config)

    os.makedirs(app.instance_path, exist_ok=True)
    os.makedirs(app.config["MEDIA_ROOT"], exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _load_or_create_secret_key(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "podcaster.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if app.config["DATABASE_URL"].startswith("postgresql"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])  # a copy: Config's dict is shared by every app
        options["connect_args"] = {"connect_timeout": app.config["DATABASE_CONNECT_TIMEOUT"],
                                   **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config["SITE_URL"] = app.config["SITE_URL"].rstrip("/")

    from . import extensions, models  # noqa: F401  (models register their tables)
    from .web import init_app as init_web

    # Configure every mapper now, in the process that builds the app: `podcaster run` forks gunicorn
    # workers from a master whose job-consumer threads use the models, and a worker forked while such a
    # thread was configuring them inherited a half-done configuration (RecursionError on every request).
    sqlalchemy.orm.configure_mappers()
    from . import cli, jobs

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(Path(__file__).parent / "migrations"))
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    init_web(app)
    jobs.init_app(app)
    cli.init_app(app)
    from .web import fast  # outermost: feeds, media and cached pages answered before Flask's machinery

    fast.init_app(app)
    return app
