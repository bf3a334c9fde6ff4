"""Shared fixtures: a fresh app with its own SQLite database and media folder per test."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from podcaster import create_app
from podcaster.extensions import db
from podcaster.models import User

from .helpers.pg import fresh_database
from .helpers.podcasts import create_show
from .helpers.web import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions

ALL_DATABASES = ("sqlite", "postgresql")


def pytest_configure(config):
    """Under CI a skipped test is a failure: CI must provide every part a test needs."""
    if os.environ.get("CI") == "true":
        kinds = {kind.strip() for kind in config.getoption("--db").split(",") if kind.strip()}
        if not kinds.issuperset(ALL_DATABASES):
            raise pytest.UsageError(f"under CI=true the tests run on every database ({', '.join(ALL_DATABASES)}),"
                                    f" not only --db {','.join(sorted(kinds))}")
        config.pluginmanager.register(_FailSkipsUnderCI(), "fail-skips-under-ci")


class _FailSkipsUnderCI:
    @staticmethod
    def _fail(report) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            report.outcome = "failed"
            report.longrepr = f"skipped under CI=true, which is not allowed: {report.longrepr}"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        self._fail(outcome.get_result())

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector):
        """A module that skips itself as a whole (``allow_module_level``) fails too."""
        outcome = yield
        self._fail(outcome.get_result())


def pytest_addoption(parser):
    parser.addoption(
        "--db", default=os.environ.get("PODCASTER_TEST_DB", ",".join(ALL_DATABASES)),
        help="comma-separated databases to run the app tests on (sqlite, postgresql)",
    )


def pytest_generate_tests(metafunc):
    """Run every test that uses the app on each database named by --db."""
    if "database" in metafunc.fixturenames:
        kinds = [kind.strip() for kind in metafunc.config.getoption("--db").split(",") if kind.strip()]
        metafunc.parametrize("database", kinds, indirect=True)


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL cluster for the whole run (its URL), stopped at the end."""
    from .helpers import pg

    reason = pg.available()
    if reason:
        pytest.skip(f"PostgreSQL tests need a local cluster: {reason}")
    cluster = pg.Cluster()
    url = cluster.start()
    yield url
    cluster.stop()


@pytest.fixture(scope="session")
def s3_server():
    """One throwaway S3-compatible server (Swift + s3api) for the whole run, stopped by PID at the end."""
    from .helpers import s3

    reason = s3.available()
    if reason:
        pytest.skip(f"S3 tests need a local Swift server: {reason}")
    server = s3.SwiftS3().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One throwaway redis-server for the whole run (its URL), stopped at the end."""
    from .helpers import redis

    reason = redis.available()
    if reason:
        pytest.skip(f"Redis tests need a redis-server: {reason}")
    server = redis.RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture
def s3_settings(s3_server):
    """The ``S3_*`` app settings of a new empty bucket on the test server."""
    from .helpers.s3 import new_bucket_settings

    return new_bucket_settings(s3_server)


@pytest.fixture(params=["local", "s3"])
def media_backend(request, app):
    """Run the test on both media backends: the app keeps new media in MEDIA_ROOT or in an S3 bucket."""
    if request.param == "s3":
        app.config.update(MEDIA_BACKEND="s3", **request.getfixturevalue("s3_settings"))
    return request.param


@pytest.fixture
def receiver():
    """A local HTTP server on 127.0.0.1 recording the requests it gets (pings), stopped afterwards."""
    from .helpers.receiver import Receiver

    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def database(request, tmp_path):
    """A fresh empty database URL: a SQLite file, or a new database in the test cluster."""
    yield from fresh_database(request, request.param, tmp_path)


@pytest.fixture
def make_app(request, tmp_path):
    """Build further apps, each on its own fresh database of the same kind as ``app``'s."""
    from podcaster.cli import upgrade_schema

    kind = request.node.callspec.params.get("database", "sqlite")
    cleanups = []

    def build(name: str):
        databases = fresh_database(request, kind, tmp_path)
        cleanups.append(databases)
        other = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": next(databases),
                            "MEDIA_ROOT": str(tmp_path / name / "media"), "SITE_URL": "http://podcaster.test",
                            "QUEUE_URL": "memory://", "FEED_FILES_DIR": str(tmp_path / name / "feeds"),
                            "PODCASTINDEX_PUBNOTIFY_URL": "", "INSTANCE_PATH": str(tmp_path / name / "instance")})
        with other.app_context():
            upgrade_schema()
        cleanups.append(other)
        return other

    yield build
    for item in reversed(cleanups):
        if hasattr(item, "app_context"):
            with item.app_context():
                db.session.remove()
                db.engine.dispose()
        else:
            next(item, None)


@pytest.fixture
def app(tmp_path, database):
    """An app on a throwaway database, schema created by the migrations."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "SITE_URL": "http://podcaster.test",
            # Jobs queue in this process's memory; the jobs tests run them (or use SQLite and Redis queues).
            "QUEUE_URL": "memory://",
            "FEED_FILES_DIR": str(tmp_path / "feeds"),
            "PODCASTINDEX_PUBNOTIFY_URL": "",  # no ping leaves the machine; the ping tests set a receiver
            "INSTANCE_PATH": str(tmp_path / "instance"),  # kept feeds of imports, never the checkout's instance/
        }
    )
    with app.app_context():
        from podcaster.cli import upgrade_schema

        upgrade_schema()
        user = User(email=ADMIN_EMAIL)
        user.set_password(ADMIN_PASSWORD)
        db.session.add(user)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def clock(app):
    """The app's clock, starting at NOW and moved by the test."""
    from .helpers.feeds import NOW, Clock

    clock = Clock(NOW)
    app.config["CLOCK"] = clock
    return clock


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def show(app, client, auth):
    """A show made through the admin form, with the author logged in."""
    auth.login()
    return create_show(app, client)


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """A gunicorn-served site with its own database, media folder and admin account."""
    from .helpers.live import LiveSite

    site = LiveSite(tmp_path_factory.mktemp("live")).start()
    site.command("create-admin", ADMIN_EMAIL, "--password-stdin", input=ADMIN_PASSWORD + "\n")
    yield site
    site.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from .helpers.live import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.test_failed = report.failed


@pytest.fixture
def page(request, browser, live_site):
    """A fresh browser tab on the live site; a screenshot is kept in test-artifacts/ when the test fails."""
    from .helpers.live import keep_offline

    context = browser.new_context(base_url=live_site.url)
    elsewhere = keep_offline(context)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.console_errors = errors
    yield tab
    if getattr(request.node, "test_failed", False):
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert elsewhere == [], f"the page asked for hosts other than 127.0.0.1: {elsewhere}"
