"""The app factory, settings, schema, login and CLI."""
from __future__ import annotations

import os
import subprocess
import sys

from podcaster import create_app
from podcaster.config import from_environment
from podcaster.extensions import db
from podcaster.models import User

from ..helpers.web import ADMIN_EMAIL, csrf_token


def test_settings_come_from_prefixed_environment():
    env = {"PODCASTER_SITE_URL": "https://books.example", "PODCASTER_MAX_UPLOAD_BYTES": "1234",
           "PODCASTER_SESSION_COOKIE_SECURE": "true", "SITE_URL": "ignored"}
    assert from_environment(env) == {
        "SITE_URL": "https://books.example", "MAX_UPLOAD_BYTES": 1234, "SESSION_COOKIE_SECURE": True,
    }


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("PODCASTER_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "MEDIA_ROOT": str(tmp_path / "m"),
                "INSTANCE_PATH": str(instance)}
    key_file = instance / "secret_key"
    assert not key_file.exists()
    first = create_app(settings)
    assert first.instance_path == str(instance)
    assert key_file.exists(), "the first start writes the key"
    second = create_app(settings)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"<html" in response.data


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"There is nothing at this address" in response.data


def test_admin_needs_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_logout(client, auth):
    bad = auth.login(password="wrong password")
    assert bad.status_code == 401
    assert b"Wrong email or password" in bad.data
    good = auth.login()
    assert good.status_code == 302
    assert client.get("/admin/").status_code == 200
    auth.logout()
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": "x"})
    assert response.status_code == 400


def test_login_next_never_leaves_the_site(client):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/", data={"email": ADMIN_EMAIL, "password": "correct horse battery",
                                             "csrf_token": token},
    )
    assert response.headers["Location"] == "/admin/"


def test_create_admin_command(app, runner):
    result = runner.invoke(args=["create-admin", "Editor@Example.com", "--password-stdin"],
                           input="long enough password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="editor@example.com")).scalar_one()
        assert user.check_password("long enough password")
    short = runner.invoke(args=["create-admin", "x@example.com", "--password-stdin"], input="short\n")
    assert short.exit_code != 0
    assert "at least 8" in short.output


def test_migrations_match_the_models(app):
    """Autogenerate finds nothing to add: every model change comes with its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_init_command_on_a_fresh_database(tmp_path):
    env = {**os.environ, "PODCASTER_DATABASE_URL": f"sqlite:///{tmp_path}/fresh.sqlite",
           "PODCASTER_MEDIA_ROOT": str(tmp_path / "media"), "PODCASTER_SECRET_KEY": "k"}
    result = subprocess.run([sys.executable, "-m", "podcaster", "init"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Database ready" in result.stdout
    assert (tmp_path / "fresh.sqlite").stat().st_size > 0


def test_changing_site_url_rebuilds_feeds_at_init(app, database, tmp_path):
    from ..helpers.feeds import NOW, make_show, set_clock

    make_show(app, episodes=1)
    set_clock(app, NOW)
    assert b"http://podcaster.test/media/" in app.test_client().get("/podcasts/quiet-page/feed.xml").data
    moved = create_app({"TESTING": True, "SECRET_KEY": "k", "DATABASE_URL": database,
                        "MEDIA_ROOT": app.config["MEDIA_ROOT"], "SITE_URL": "https://new.example"})
    set_clock(moved, NOW)
    assert moved.test_cli_runner().invoke(args=["init"]).exit_code == 0
    feed = moved.test_client().get("/podcasts/quiet-page/feed.xml").data
    assert b"https://new.example/media/" in feed and b"podcaster.test" not in feed
    with moved.app_context():
        db.session.remove()
        db.engine.dispose()
