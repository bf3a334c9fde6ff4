"""Serving media: only stored files, byte ranges, conditional requests, HEAD, and the nginx hand-off."""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from podcaster.content.storage import MediaStore
from podcaster.extensions import db
from podcaster.models import MediaFile
from podcaster.web.media import UNSATISFIABLE, parse_byte_range

from ..helpers.media import DATA

PROJECT = Path(__file__).resolve().parents[2]
CONTENT = (DATA / "cbr.mp3").read_bytes()
SIZE = len(CONTENT)
SHA = hashlib.sha256(CONTENT).hexdigest()
URL = "/media/audio/episode-one.mp3"


def add_media(app, relative: str = "audio/episode-one.mp3", data: bytes = CONTENT, mime: str = "audio/mpeg",
              write: bool = True) -> None:
    store = MediaStore(app.config["MEDIA_ROOT"])
    if write:
        store.save_bytes(data, relative)
    with app.app_context():
        db.session.add(MediaFile(path=relative, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                 mime_type=mime, kind="audio"))
        db.session.commit()


class BufferedClient:
    """The test client, reading each body at once so the served file is closed as a WSGI server would."""

    def __init__(self, client):
        self._client = client

    def get(self, url, **kwargs):
        return self._client.get(url, buffered=True, **kwargs)

    def head(self, url, **kwargs):
        return self._client.head(url, buffered=True, **kwargs)


@pytest.fixture
def served(app, client):
    add_media(app)
    return BufferedClient(client)


def test_whole_file(served):
    response = served.get(URL)
    assert response.status_code == 200
    assert response.data == CONTENT
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"] == f'"{SHA}"'
    assert "Last-Modified" in response.headers
    assert "max-age=" in response.headers["Cache-Control"]


@pytest.mark.parametrize("header, first, last", [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, SIZE - 1),
    ("bytes=-500", SIZE - 500, SIZE - 1),
    ("bytes=1000-1000", 1000, 1000),
    (f"bytes=5-{SIZE + 1000}", 5, SIZE - 1),
    (f"bytes=-{SIZE * 2}", 0, SIZE - 1),
])
def test_single_ranges_are_206(served, header, first, last):
    response = served.get(URL, headers={"Range": header})
    assert response.status_code == 206
    assert response.data == CONTENT[first:last + 1]
    assert response.headers["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert response.headers["Content-Length"] == str(last - first + 1)


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_unsatisfiable_ranges_are_416(served, header):
    response = served.get(URL, headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize("header", ["bytes=0-10,20-30", "bytes=50-10", "items=0-10", "bytes=abc", "bytes="])
def test_multiple_or_malformed_ranges_get_the_whole_file(served, header):
    response = served.get(URL, headers={"Range": header})
    assert response.status_code == 200
    assert response.data == CONTENT


def test_head_has_the_headers_and_no_body(served):
    response = served.head(URL)
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["ETag"] == f'"{SHA}"'
    ranged = served.head(URL, headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206
    assert ranged.headers["Content-Length"] == "10"
    assert ranged.data == b""


def test_if_none_match_gives_304(served):
    response = served.get(URL, headers={"If-None-Match": f'"{SHA}"'})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == f'"{SHA}"'
    assert served.get(URL, headers={"If-None-Match": f'"other", W/"{SHA}"'}).status_code == 304
    assert served.get(URL, headers={"If-None-Match": "*"}).status_code == 304
    assert served.get(URL, headers={"If-None-Match": '"other"'}).status_code == 200


def test_if_modified_since_gives_304(served):
    last_modified = served.get(URL).headers["Last-Modified"]
    assert served.get(URL, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert served.get(URL, headers={"If-Modified-Since": formatdate(0, usegmt=True)}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    assert served.get(URL, headers={"If-Modified-Since": last_modified,
                                    "If-None-Match": '"other"'}).status_code == 200


def test_if_range(served):
    last_modified = served.get(URL).headers["Last-Modified"]
    matching = served.get(URL, headers={"Range": "bytes=0-9", "If-Range": f'"{SHA}"'})
    assert matching.status_code == 206 and matching.data == CONTENT[:10]
    by_date = served.get(URL, headers={"Range": "bytes=0-9", "If-Range": last_modified})
    assert by_date.status_code == 206
    stale = served.get(URL, headers={"Range": "bytes=0-9", "If-Range": '"older"'})
    assert stale.status_code == 200 and stale.data == CONTENT
    weak = served.get(URL, headers={"Range": "bytes=0-9", "If-Range": f'W/"{SHA}"'})
    assert weak.status_code == 200
    old_date = served.get(URL, headers={"Range": "bytes=0-9", "If-Range": formatdate(0, usegmt=True)})
    assert old_date.status_code == 200


def test_unknown_path_is_404(served, app):
    assert served.get("/media/audio/nothing.mp3").status_code == 404
    # A file on disk without a row is not served (temporary uploads, stray files).
    (Path(app.config["MEDIA_ROOT"]) / "audio" / "stray.mp3").write_bytes(b"stray")
    assert served.get("/media/audio/stray.mp3").status_code == 404


def test_row_without_file_is_404(app, client):
    client = BufferedClient(client)
    add_media(app, "audio/gone.mp3", write=False)
    assert client.get("/media/audio/gone.mp3").status_code == 404


@pytest.mark.parametrize("path", ["/media/../secret.txt", "/media/audio/../../secret.txt",
                                  "/media/%2e%2e/secret.txt", "/media/audio/..%2F..%2Fsecret.txt"])
def test_path_traversal_is_404(app, client, tmp_path, path):
    client = BufferedClient(client)
    (tmp_path / "secret.txt").write_text("top-secret-marker")
    # Even a row with a hostile path must not reach outside the media root.
    with app.app_context():
        db.session.add(MediaFile(path="../secret.txt", size=6, sha256="0" * 64, mime_type="text/plain", kind="x"))
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 404
    assert b"top-secret-marker" not in response.data


def test_accel_redirect_hands_the_file_to_nginx(app, served):
    app.config["MEDIA_ACCEL_REDIRECT"] = "/_protected_media/"
    response = served.get(URL)
    assert response.status_code == 200
    assert response.headers["X-Accel-Redirect"] == "/_protected_media/audio/episode-one.mp3"
    assert response.data == b""
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert served.get("/media/audio/nothing.mp3").status_code == 404


def test_accel_redirect_quotes_the_path(app, client):
    client = BufferedClient(client)
    add_media(app, "audio/a b.mp3")
    app.config["MEDIA_ACCEL_REDIRECT"] = "/_protected_media"
    assert client.get("/media/audio/a%20b.mp3").headers["X-Accel-Redirect"] == "/_protected_media/audio/a%20b.mp3"


def test_content_type_comes_from_the_row(app, client):
    client = BufferedClient(client)
    data = (DATA / "aac.m4a").read_bytes()
    add_media(app, "audio/ep.m4a", data=data, mime="audio/mp4")
    response = client.get("/media/audio/ep.m4a")
    # Stored as audio/mp4 (its IANA type), served as audio/x-m4a: the type the feed declares, Apple's.
    assert response.headers["Content-Type"] == "audio/x-m4a"
    assert response.data == data
    app.config["MEDIA_ACCEL_REDIRECT"] = "/_protected_media"
    assert client.get("/media/audio/ep.m4a").headers["Content-Type"] == "audio/x-m4a"


def test_empty_file(app, client):
    client = BufferedClient(client)
    add_media(app, "transcripts/empty.vtt", data=b"", mime="text/vtt")
    response = client.get("/media/transcripts/empty.vtt")
    assert response.status_code == 200 and response.data == b""
    assert client.get("/media/transcripts/empty.vtt", headers={"Range": "bytes=0-"}).status_code == 416


def test_parse_byte_range():
    assert parse_byte_range("bytes=0-0", 10) == (0, 0)
    assert parse_byte_range("BYTES = 2-", 10) == (2, 9)
    assert parse_byte_range("bytes=-3", 10) == (7, 9)
    assert parse_byte_range("bytes=10-", 10) == UNSATISFIABLE
    assert parse_byte_range("bytes=20-30,40-50", 10) == UNSATISFIABLE
    assert parse_byte_range("bytes=0-1,20-30", 10) is None
    assert parse_byte_range("bytes=1-0", 10) is None
    assert parse_byte_range("bytes=--1", 10) is None



@pytest.mark.parametrize("header", ["bytes=\u00b2-", "bytes=0-\u00b9", "bytes=-\u00b3"])
def test_non_ascii_digits_in_a_range_are_ignored_not_a_500(served, header):
    # Latin-1 superscripts arrive in a header as they are; str.isdigit() takes them, int() does not.
    response = served.get(URL, headers={"Range": header})
    assert response.status_code == 200
    assert response.data == CONTENT


def test_if_range_needs_the_exact_strong_etag(served):
    for if_range in (f'W/"{SHA}"', SHA, f'"{SHA}", "other"'):  # weak, unquoted, a list: none names this version
        response = served.get(URL, headers={"Range": "bytes=0-9", "If-Range": if_range})
        assert (response.status_code, response.data) == (200, CONTENT), if_range
    assert served.get(URL, headers={"Range": "bytes=0-9", "If-Range": f' "{SHA}" '}).status_code == 206


def test_if_match_and_a_lone_if_range_change_nothing(served):
    # Werkzeug's is_resource_modified would read If-Match as "not modified": only 304 conditions reach it.
    for headers in ({"If-Match": '"other"'}, {"If-Match": f'"{SHA}"'}, {"If-Range": '"other"'}):
        response = served.get(URL, headers=headers)
        assert (response.status_code, response.data) == (200, CONTENT), headers
    assert served.get(URL, headers={"If-Match": f'"{SHA}"', "Range": "bytes=0-9"}).status_code == 206


# --- through gunicorn, where the body goes out with sendfile ------------------------------------------------------


def make_server_app():
    """The app gunicorn serves in this test: one stored file, configured by environment variables."""
    from podcaster import create_app
    from podcaster.cli import upgrade_schema

    root = Path(os.environ["MEDIA_TEST_ROOT"])
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{root / 'db.sqlite'}",
                      "MEDIA_ROOT": str(root / "media")})
    with app.app_context():
        upgrade_schema()
        if db.session.scalar(db.select(MediaFile)) is None:
            add_media(app)
    return app


def test_ranges_through_gunicorn(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "MEDIA_TEST_ROOT": str(tmp_path)}
    with open(tmp_path / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "tests.web.test_media:make_server_app()"],
            cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60  # generous: a loaded CI machine boots the worker slowly
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.1)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for header, expected, status in [("bytes=100-199", CONTENT[100:200], 206), ("bytes=-10", CONTENT[-10:], 206),
                                         (None, CONTENT, 200), ("bytes=5000-", CONTENT[5000:], 206)]:
            connection.request("GET", URL, headers={"Range": header} if header else {})
            response = connection.getresponse()
            body = response.read()  # keep-alive: each body must end exactly at its Content-Length
            assert (response.status, body) == (status, expected)
        connection.request("HEAD", URL)
        response = connection.getresponse()
        assert response.read() == b"" and response.getheader("Content-Length") == str(SIZE)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_unpublished_episode_audio_is_private_until_its_time(app, client, auth):
    from datetime import timedelta

    from podcaster.models import Episode, Show, utcnow

    from ..helpers.media import media_row

    with app.app_context():
        show = Show(title="Private", slug="private")
        episode = Episode(show=show, title="Soon", slug="soon", status="scheduled",
                          publish_at=utcnow() + timedelta(days=1),
                          audio=media_row(app, "audio/private/soon.mp3", b"ID3 not yet", kind="audio",
                                          mime="audio/mpeg"))
        db.session.add(episode)
        db.session.commit()
    url = "/media/audio/private/soon.mp3"
    assert client.get(url).status_code == 404
    auth.login()
    with client.get(url) as preview:
        assert preview.status_code == 200  # the author can listen before publishing
        assert preview.headers["Cache-Control"] == "private, no-store"
    auth.logout()
    app.config["CLOCK"] = lambda: utcnow() + timedelta(days=2)
    with client.get(url) as public:
        assert public.status_code == 200 and public.data == b"ID3 not yet"
        assert public.headers["Cache-Control"].startswith("public")


def test_chapters_and_transcripts_are_readable_cross_origin_audio_is_not(app, client):
    from ..helpers.media import media_row

    client = BufferedClient(client)
    chapters = b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"}]}'
    with app.app_context():
        db.session.add_all([
            media_row(app, "chapters/e1.json", chapters, kind="chapters", mime="application/json+chapters"),
            media_row(app, "transcripts/e1.vtt", b"WEBVTT\n", kind="transcript", mime="text/vtt"),
        ])
        db.session.commit()
    add_media(app)
    origin = {"Origin": "https://web.player.example"}
    for url in ("/media/chapters/e1.json", "/media/transcripts/e1.vtt"):
        response = client.get(url, headers=origin)
        assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
        again = client.get(url, headers={**origin, "If-None-Match": "W/" + response.headers["ETag"]})
        assert again.status_code == 304 and again.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get(URL, headers=origin).headers


def test_a_scheduled_episodes_files_and_chapters_stay_private_until_its_time(app, client, auth):
    from datetime import timedelta

    from podcaster.models import Episode

    from ..helpers.feeds import NOW, make_show, set_clock

    set_clock(app, NOW)
    make_show(app, episodes=0, scheduled=1)  # episode 1, with a transcript and a chapters file, due tomorrow
    with app.app_context():
        episode = db.session.execute(db.select(Episode)).scalar_one()
        episode.chapters = [{"startTime": 0, "title": "Intro"}, {"startTime": 5, "title": "Later"}]
        due = episode.publish_at
        db.session.commit()
    assert due == NOW + timedelta(days=1)
    files = ("/media/audio/quiet-page/episode-1.mp3", "/media/transcripts/quiet-page/e1.vtt",
             "/media/chapters/quiet-page/e1.json")
    chapters = "/podcasts/quiet-page/episode-1/chapters.json"

    def statuses() -> list[int]:
        answers = []
        for url in (*files, chapters):
            with client.get(url) as response:
                answers.append(response.status_code)
        return answers

    assert statuses() == [404, 404, 404, 404]
    set_clock(app, due - timedelta(seconds=1))
    assert statuses() == [404, 404, 404, 404]
    auth.login()  # the author previews the files, never from a shared cache
    for url in files:
        with client.get(url) as preview:
            assert preview.status_code == 200 and preview.headers["Cache-Control"] == "private, no-store", url
    auth.logout()
    set_clock(app, due)
    assert statuses() == [200, 200, 200, 200]
    with client.get(chapters) as response:
        assert [c["title"] for c in json.loads(response.data)["chapters"]] == ["Intro", "Later"]
