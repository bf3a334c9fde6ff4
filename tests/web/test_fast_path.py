"""The lean WSGI path (web/fast.py) answers feeds, media and cached pages exactly as Flask does, without Flask."""
from __future__ import annotations

import pytest
from flask import request_started
from werkzeug.test import Client

from ..helpers.feeds import make_posts, make_show

AUDIO = "/media/audio/quiet-page/episode-1.mp3"
SCHEDULED_AUDIO = "/media/audio/quiet-page/episode-3.mp3"
TRANSCRIPT = "/media/transcripts/quiet-page/e1.vtt"


@pytest.fixture
def site(app, clock):
    make_show(app, episodes=2, scheduled=1)
    make_posts(app)
    return app


def _answer(client: Client, method: str, url: str, headers: dict):
    response = client.open(url, method=method, headers=headers)
    answer = (response.status_code, sorted((name.lower(), value) for name, value in response.headers),
              response.get_data())
    response.close()
    return answer


# Without a cookie jar, so a Cookie header goes out as sent.
def _both(app, method: str, url: str, headers: dict | None = None):
    """The lean path's answer, Flask's answer, and how many requests reached Flask on the lean path."""
    flask_requests = []

    def note(sender, **extra):
        flask_requests.append(1)

    request_started.connect(note, app)
    try:
        lean = _answer(Client(app.wsgi_app, use_cookies=False), method, url, headers or {})
    finally:
        request_started.disconnect(note, app)
    plain = _answer(Client(app.wsgi_app.fallback, use_cookies=False), method, url, headers or {})
    return lean, plain, len(flask_requests)


CASES = [
    ("GET", "/podcasts/quiet-page/feed.xml", {}),
    ("GET", "/podcasts/quiet-page/feed.xml", {"Accept-Encoding": "gzip"}),
    ("HEAD", "/podcasts/quiet-page/feed.xml", {"Accept-Encoding": "gzip, br"}),
    ("GET", "/blog/feed.xml", {}),
    ("GET", AUDIO, {}),
    ("HEAD", AUDIO, {}),
    ("GET", AUDIO, {"Range": "bytes=0-65535"}),
    ("GET", AUDIO, {"Range": "bytes=-100"}),
    ("GET", AUDIO, {"Range": "bytes=1000-"}),
    ("GET", AUDIO, {"Range": "bytes=99999999-"}),
    ("GET", AUDIO, {"Range": "bytes=0-9", "If-Range": '"not-this-one"'}),
    ("GET", TRANSCRIPT, {}),
    ("GET", "/podcasts/quiet-page", {}),
    ("HEAD", "/podcasts/quiet-page/episode-1", {}),
    ("GET", "/blog", {}),
]


def test_the_lean_path_answers_as_flask_does_without_flask(site):
    """One site for every case: building a site costs more than all the requests together."""
    for method, url, headers in CASES:
        Client(site.wsgi_app, use_cookies=False).get(url).close()  # feed built, page rendered
        lean, plain, reached_flask = _both(site, method, url, headers)
        assert lean == plain, (method, url, headers)
        assert reached_flask == 0, (method, url, headers)
        assert lean[0] in (200, 206, 416), (method, url, headers)
        etag = dict(lean[1]).get("etag")
        if etag:  # and the 304 for the copy just received
            lean, plain, reached_flask = _both(site, method, url, {**headers, "If-None-Match": etag})
            assert lean == plain and lean[0] == 304 and reached_flask == 0, (method, url, headers)


FALL_THROUGH = [
    ("GET", SCHEDULED_AUDIO, {}),  # not public yet: only Flask knows whether the author asks
    ("GET", "/podcasts/no-such-show/feed.xml", {}),
    ("GET", "/media/audio/none.mp3", {}),
    ("GET", "/podcasts/quiet-page?utm_source=x", {}),  # never cached
    ("GET", "/podcasts/quiet-page", {"Cookie": "session=abc"}),  # maybe the author
    ("POST", "/podcasts/quiet-page/feed.xml", {}),
]


def test_anything_else_falls_through_to_flask(site):
    Client(site.wsgi_app).get("/podcasts/quiet-page").close()
    for method, url, headers in FALL_THROUGH:
        lean, plain, reached_flask = _both(site, method, url, headers)
        assert reached_flask == 1, (method, url, headers)
        assert lean[0] == plain[0], (method, url, headers)
    assert _both(site, "GET", SCHEDULED_AUDIO)[0][0] == 404


def test_a_stale_feed_is_rebuilt_by_flask_then_served_lean(site):
    from podcaster.extensions import db
    from podcaster.models import Show

    client = Client(site.wsgi_app)
    client.get("/podcasts/quiet-page/feed.xml").close()
    with site.app_context():
        db.session.execute(db.select(Show)).scalar_one().title = "A New Title"
        db.session.commit()
    lean, _plain, reached_flask = _both(site, "GET", "/podcasts/quiet-page/feed.xml")
    assert reached_flask == 1 and b"A New Title" in lean[2]
    lean, _plain, reached_flask = _both(site, "GET", "/podcasts/quiet-page/feed.xml")
    assert reached_flask == 0 and b"A New Title" in lean[2]


def _cut_pooled_connections(app) -> int:
    """Close every idle pooled connection behind the pool's back, as a database restart does."""
    from podcaster.extensions import db

    with app.app_context():
        records = list(db.engine.pool._pool.queue)  # the idle connections' records (QueuePool)
    for record in records:
        record.dbapi_connection.close()
    return len(records)


def test_a_dead_pooled_connection_is_retried_once_without_a_ping_per_request(site, caplog):
    client = Client(site.wsgi_app, use_cookies=False)
    client.get(AUDIO).close()
    assert _cut_pooled_connections(site) >= 1
    caplog.set_level("INFO", logger="podcaster.web.fast")
    lean, plain, reached_flask = _both(site, "GET", AUDIO)
    assert lean == plain and lean[0] == 200 and reached_flask == 0
    # The dead connection was handed out unpinged, met in use, and the lean path tried once more.
    assert [record.message for record in caplog.records if "trying once more" in record.message]


def test_a_connection_idle_for_a_while_is_pinged_and_replaced(site, caplog, monkeypatch):
    from podcaster import extensions

    client = Client(site.wsgi_app, use_cookies=False)
    client.get(AUDIO).close()
    client.get("/podcasts/no-such-show").close()
    monkeypatch.setattr(extensions, "IDLE_PING_SECONDS", 0.0)
    assert _cut_pooled_connections(site) >= 1
    caplog.set_level("INFO", logger="podcaster.web.fast")
    lean, _plain, reached_flask = _both(site, "GET", AUDIO)
    assert lean[0] == 200 and reached_flask == 0
    assert not [record for record in caplog.records if "trying once more" in record.message]
    assert _cut_pooled_connections(site) >= 1
    assert client.get("/podcasts/quiet-page/episode-1?from=test").status_code == 200  # Flask's path too


LEAN_ONE_STATEMENT = [
    ("/podcasts/quiet-page/feed.xml", {"Accept-Encoding": "gzip"}, 200),
    ("/podcasts/quiet-page/feed.xml", {}, 200),
    ("/blog/feed.xml", {}, 200),
    (AUDIO, {"Range": "bytes=0-65535"}, 206),
    (TRANSCRIPT, {}, 200),
    ("/podcasts/quiet-page", {}, 200),
]


def test_a_lean_request_runs_exactly_one_statement(site):
    """The feed's state row, or the page cache's version: the bytes, the file's row and its path are held."""
    from ..helpers.queries import counting_statements

    client = Client(site.wsgi_app, use_cookies=False)
    for url, headers, status in LEAN_ONE_STATEMENT:
        for _ in range(2):  # built, rendered, read once
            client.get(url, headers=headers).close()
        with counting_statements(site) as log:
            response = client.get(url, headers=headers)
            response.close()
        assert (response.status_code, len(log)) == (status, 1), (url, headers, list(log))


def test_a_file_held_by_the_lean_path_follows_the_edit_at_once(site):
    """Held rows are tagged with the page cache's version: an edit through any process retires them."""
    from podcaster.extensions import db
    from podcaster.models import Episode, MediaFile

    assert _both(site, "GET", AUDIO)[0][0] == 200
    with site.app_context():
        audio = db.session.execute(db.select(MediaFile).filter_by(path=AUDIO.removeprefix("/media/"))).scalar_one()
        audio.sha256 = "f" * 64  # as the ID3 re-tag job leaves it
        db.session.commit()
    lean, plain, reached_flask = _both(site, "GET", AUDIO)
    assert lean == plain and reached_flask == 0 and dict(lean[1])["etag"] == '"' + "f" * 64 + '"'
    with site.app_context():
        episode = db.session.execute(db.select(Episode).filter_by(slug="episode-1")).scalar_one()
        episode.status, episode.publish_at = "draft", None
        db.session.commit()
    lean, plain, reached_flask = _both(site, "GET", AUDIO)
    assert (lean[0], plain[0], reached_flask) == (404, 404, 1)


def test_hot_reads_convert_values_as_sqlalchemy_does(site):
    from podcaster.content.feeds import cache
    from podcaster.content.hot_reads import HotRead
    from podcaster.extensions import db

    Client(site.wsgi_app).get("/podcasts/quiet-page/feed.xml").close()
    with site.app_context():
        engine = db.engine
        with engine.connect() as connection:
            expected = connection.execute(cache.STATE_BY_SLUG, {"slug": "quiet-page"}).one()._asdict()
    read = HotRead(engine, cache.STATE_BY_SLUG)
    assert read.convert(read.raw({"slug": "quiet-page"})) == expected
    assert expected["last_modified"].year == 2026 and expected["stale"] is False
    assert read.raw({"slug": "no-such-show"}) is None


def test_a_database_that_cannot_be_reached_comes_out_as_sqlalchemys_error():
    """A failed connect raises SQLAlchemy's OperationalError (the lean path's 503 case), not the driver's."""
    import socket

    import psycopg
    from sqlalchemy import create_engine, exc, literal, select

    from podcaster.content.hot_reads import HotRead

    with socket.socket() as sock:  # a port nothing listens on once this socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{port}/nothing")
    try:
        with pytest.raises(exc.OperationalError) as raised:
            HotRead(engine, select(literal(1).label("one"))).raw({})
        assert isinstance(raised.value.orig, psycopg.OperationalError)
    finally:
        engine.dispose()
