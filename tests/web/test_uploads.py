"""Streamed uploads: written once into the final folder, cleaned up on every failure, 413 when too large.

A throwaway blueprint exercises the mechanism, through Flask's test client and
through a real gunicorn server with raw HTTP requests (chunked bodies,
disconnects and oversize Content-Length only behave for real over a socket).
"""
from __future__ import annotations

import hashlib
import io
import http.client
import os
import select
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from flask import Blueprint, jsonify, request
from flask_wtf.csrf import generate_csrf
from werkzeug.test import EnvironBuilder

from podcaster.content.audio import AudioError, count_mpeg_frames, probe
from podcaster.extensions import csrf
from podcaster.web import media_store
from podcaster.web import uploads
from podcaster.web.uploads import UploadSpool, commit_upload, receive_upload, streams_uploads

from ..helpers.media import DATA

PROJECT = Path(__file__).resolve().parents[2]


def make_blueprint() -> Blueprint:
    """A minimal upload endpoint: probe the audio, keep it, or fail as asked."""
    bp = Blueprint("upload_test", __name__)

    @bp.get("/_test/token")
    def token():
        return generate_csrf()

    @bp.post("/_test/upload")
    @streams_uploads
    def upload():
        store = media_store()
        upload = request.files.get("audio")
        if upload is None or not request.form.get("title"):
            return "title and audio are required", 400
        received = receive_upload(upload, store)
        if request.form.get("title") == "explode":
            raise RuntimeError("failure after the upload arrived")
        try:
            info = probe(received.path)
        except AudioError as exc:
            return str(exc), 400
        stored = commit_upload(store, received, store.unique_path("audio", f"episode.{info.extension}"))
        return jsonify(path=stored.path, size=stored.size, sha256=stored.sha256, temp=str(received.path),
                       streamed=isinstance(upload.stream, UploadSpool), duration=info.duration,
                       counted=received.frames.count.frames if received.frames else None,
                       parser=request.form_data_parser_class.__name__, note=request.form.get("note"))

    @bp.post("/_test/elsewhere")
    def elsewhere():
        """No @streams_uploads: receive_upload copies the spooled part into the folder."""
        store = media_store()
        received = receive_upload(request.files["audio"], store)
        stored = commit_upload(store, received, store.unique_path("audio", "copied.mp3"))
        return jsonify(path=stored.path, sha256=stored.sha256)

    return bp


def leftovers(root: Path) -> list[Path]:
    return list(root.rglob(".upload-*"))


@pytest.fixture
def upload_client(app, client, auth):
    app.register_blueprint(make_blueprint())
    auth.login()
    return client


def test_visitors_cannot_stream_files_into_the_media_folder(app, client):
    """Not logged in: nothing is written under MEDIA_ROOT and a large body is refused outright."""
    from podcaster.web.uploads import ANONYMOUS_MAX_BYTES

    app.register_blueprint(make_blueprint())
    media = Path(app.config["MEDIA_ROOT"])
    small = post_upload(client, {"title": "One", "audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")})
    assert small.status_code == 200 and small.get_json()["streamed"] is False
    builder = EnvironBuilder(path="/_test/upload", method="POST", content_type="multipart/form-data",
                             data={"title": "x", "audio": (io.BytesIO(b"0" * (ANONYMOUS_MAX_BYTES + 1)), "big.mp3")})
    environ = builder.get_environ()  # a body this large is spooled to a temporary file of its own
    try:
        big = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert big.status_code == 413
    assert leftovers(media) == []


def post_upload(client, data: dict, path: str = "/_test/upload", **kwargs):
    token = client.get("/_test/token").get_data(as_text=True)
    return client.post(path, data={**data, "csrf_token": token}, content_type="multipart/form-data", **kwargs)


def test_upload_is_streamed_into_the_final_folder_and_renamed(app, upload_client):
    media = Path(app.config["MEDIA_ROOT"])
    content = (DATA / "cbr.mp3").read_bytes()
    response = post_upload(upload_client, {"title": "One", "audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["streamed"] is True
    assert Path(body["temp"]).parent == media / "incoming"  # received in the store: linked, never copied
    assert body["path"] == "audio/episode.mp3"
    assert (media / body["path"]).read_bytes() == content
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert leftovers(media) == []


def compliant_body(fields: dict[str, str], audio: bytes) -> tuple[str, bytes]:
    """A multipart body as browsers send it (every part's data ends with CRLF, empty values too)."""
    parts = [f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
             for name, value in fields.items()]
    parts.append(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"x.mp3\"\r\n"
                 f"Content-Type: audio/mpeg\r\n\r\n".encode() + audio + multipart_suffix())
    return f"multipart/form-data; boundary={BOUNDARY}", b"".join(parts)


def test_large_uploads_are_parsed_by_the_compiled_parser(app, upload_client, monkeypatch):
    monkeypatch.setattr(uploads, "COMPILED_PARSER_MIN_BYTES", 0)  # every body counts as large
    media = Path(app.config["MEDIA_ROOT"])
    audio = (DATA / "vbr_no_xing.mp3").read_bytes()
    token = upload_client.get("/_test/token").get_data(as_text=True)
    content_type, body = compliant_body({"note": "", "title": "Ünïcode title", "csrf_token": token}, audio)
    response = upload_client.post("/_test/upload", data=body, content_type=content_type)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["parser"] == "CompiledMultipartParser" and answer["streamed"] is True
    assert answer["note"] == ""
    assert (media / answer["path"]).read_bytes() == audio
    assert answer["sha256"] == hashlib.sha256(audio).hexdigest()
    # Counted while it arrived, the same count as walking the file.
    assert answer["counted"] == count_mpeg_frames(DATA / "vbr_no_xing.mp3").frames
    assert leftovers(media) == []


def test_compiled_parser_keeps_csrf_and_leaves_nothing_when_refused(app, upload_client, monkeypatch):
    monkeypatch.setattr(uploads, "COMPILED_PARSER_MIN_BYTES", 0)
    media = Path(app.config["MEDIA_ROOT"])
    content_type, body = compliant_body({"title": "One", "csrf_token": "forged"}, (DATA / "cbr.mp3").read_bytes())
    response = upload_client.post("/_test/upload", data=body, content_type=content_type)
    assert response.status_code == 400
    assert leftovers(media) == []
    assert not (media / "audio").exists() or not list((media / "audio").iterdir())


def test_small_bodies_keep_werkzeugs_parser(app, upload_client):
    response = post_upload(upload_client, {"title": "One", "audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")})
    assert response.get_json()["parser"] == "FormDataParser"


def test_two_uploads_never_clash(app, upload_client):
    media = Path(app.config["MEDIA_ROOT"])
    paths = set()
    for _ in range(2):
        response = post_upload(upload_client, {"title": "One", "audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")})
        paths.add(response.get_json()["path"])
    assert len(paths) == 2
    assert all((media / path).is_file() for path in paths)


def test_upload_without_the_decorator_is_copied_into_the_folder_once(app, upload_client):
    media = Path(app.config["MEDIA_ROOT"])
    response = post_upload(upload_client, {"audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")},
                           path="/_test/elsewhere")
    assert response.status_code == 200
    assert (media / response.get_json()["path"]).read_bytes() == (DATA / "cbr.mp3").read_bytes()
    assert leftovers(media) == []


def test_invalid_form_leaves_no_file(app, upload_client):
    media = Path(app.config["MEDIA_ROOT"])
    response = post_upload(upload_client, {"title": "", "audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")})
    assert response.status_code == 400
    assert leftovers(media) == []
    assert not list((media / "audio").glob("*.mp3"))


def test_refused_audio_leaves_no_file(app, upload_client):
    media = Path(app.config["MEDIA_ROOT"])
    response = post_upload(upload_client, {"title": "One", "audio": ((DATA / "tone.wav").open("rb"), "x.mp3")})
    assert response.status_code == 400
    assert "WAV" in response.get_data(as_text=True)
    assert leftovers(media) == []


def test_exception_after_upload_leaves_no_file(app, upload_client):
    media = Path(app.config["MEDIA_ROOT"])
    with pytest.raises(RuntimeError):
        post_upload(upload_client, {"title": "explode", "audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")})
    assert leftovers(media) == []


def test_missing_csrf_token_leaves_no_file(app, upload_client):
    media = Path(app.config["MEDIA_ROOT"])
    response = upload_client.post("/_test/upload", data={"title": "One", "audio": ((DATA / "cbr.mp3").open("rb"),
                                                                                     "x.mp3")})
    assert response.status_code == 400
    assert leftovers(media) == []


def test_file_over_the_audio_limit_is_413_and_removed(app, upload_client):
    app.config["MAX_UPLOAD_BYTES"] = 100_000
    media = Path(app.config["MEDIA_ROOT"])
    response = post_upload(upload_client, {"title": "One", "audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)
    assert leftovers(media) == []


def test_body_over_the_request_limit_is_413(app, upload_client):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    media = Path(app.config["MEDIA_ROOT"])
    response = post_upload(upload_client, {"title": "One", "audio": ((DATA / "cbr.mp3").open("rb"), "x.mp3")})
    assert response.status_code == 413
    assert leftovers(media) == []


def test_default_request_limit_follows_the_audio_limit(app):
    from flask_login import login_user

    from podcaster.extensions import db
    from podcaster.models import User
    from podcaster.web.uploads import ANONYMOUS_MAX_BYTES, FORM_OVERHEAD_BYTES

    app.config["MAX_UPLOAD_BYTES"] = 5_000_000
    with app.test_request_context("/", method="POST"):
        assert request.max_content_length == ANONYMOUS_MAX_BYTES
    with app.test_request_context("/", method="POST"):
        login_user(db.session.execute(db.select(User)).scalars().first())
        assert request.max_content_length == 5_000_000 + FORM_OVERHEAD_BYTES


# --- a real gunicorn server --------------------------------------------------------------------------------------


def make_server_app():
    """The app gunicorn serves in these tests (configured by environment variables)."""
    from podcaster import create_app

    root = Path(os.environ["UPLOAD_TEST_ROOT"])
    app = create_app({
        "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{root / 'db.sqlite'}", "MEDIA_ROOT": str(root / "media"),
        "MAX_UPLOAD_BYTES": int(os.environ["UPLOAD_TEST_LIMIT"]),
    })
    bp = make_blueprint()
    csrf.exempt(bp)  # raw http.client requests carry no session; CSRF ordering is tested with the test client
    app.register_blueprint(bp)
    # Raw requests carry no login either: in this server every request is the one author's.
    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db, login_manager
    from podcaster.models import User

    with app.app_context():
        upgrade_schema()
        if db.session.get(User, 1) is None:
            author = User(id=1, email="author@example.com")
            author.set_password("upload test password")
            db.session.add(author)
            db.session.commit()
    login_manager.request_loader(lambda request: db.session.get(User, 1))
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """A gunicorn server on 127.0.0.1 with a 4 MB audio limit (its port and media folder)."""
    port = free_port()
    env = {**os.environ, "UPLOAD_TEST_ROOT": str(tmp_path), "UPLOAD_TEST_LIMIT": str(SERVER_LIMIT)}
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "20",
             "tests.web.test_uploads:make_server_app()"],
            cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=log_file,
        )
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
    yield port, tmp_path / "media"
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


BOUNDARY = "----podcastertestboundary"
SERVER_LIMIT = 4_000_000


def multipart_prefix(filename: str = "x.mp3") -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nOne\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"{filename}\"\r\n"
            f"Content-Type: audio/mpeg\r\n\r\n").encode()


def multipart_suffix() -> bytes:
    return f"\r\n--{BOUNDARY}--\r\n".encode()


def loopback_buffer_bytes() -> int:
    """The most a TCP connection's send and receive buffers can hold (the kernel's autotuning maxima)."""
    def maximum(name: str) -> int:
        return int(Path(f"/proc/sys/net/ipv4/{name}").read_text().split()[2])

    return maximum("tcp_rmem") + maximum("tcp_wmem")


# Bounds of the waits below: generous so a loaded machine never fails them; a passing run never waits long.
WAIT_SECONDS = 60


def wait_until_clean(media: Path, seconds: float = WAIT_SECONDS) -> list[Path]:
    deadline = time.monotonic() + seconds
    while leftovers(media) and time.monotonic() < deadline:
        time.sleep(0.05)
    return leftovers(media)


def test_gunicorn_upload_succeeds(server):
    port, media = server
    body = multipart_prefix() + (DATA / "vbr_no_xing.mp3").read_bytes() + multipart_suffix()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
    connection.request("POST", "/_test/upload", body=body,
                       headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    response = connection.getresponse()
    assert response.status == 200
    assert (media / "audio" / "episode.mp3").read_bytes() == (DATA / "vbr_no_xing.mp3").read_bytes()
    assert leftovers(media) == []


def test_gunicorn_chunked_upload_within_the_limit_succeeds(server):
    port, media = server
    data = (DATA / "cbr.mp3").read_bytes()

    def chunks():
        yield multipart_prefix()
        for start in range(0, len(data), 7000):
            yield data[start:start + 7000]
        yield multipart_suffix()

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
    connection.request("POST", "/_test/upload", body=chunks(), encode_chunked=True,
                       headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                                "Transfer-Encoding": "chunked"})
    response = connection.getresponse()
    assert response.status == 200, response.read()
    assert (media / "audio" / "episode.mp3").read_bytes() == data


def test_gunicorn_oversize_content_length_is_413_before_the_body_is_sent(server):
    port, media = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
    connection.putrequest("POST", "/_test/upload")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(10 * 1024 ** 3))
    connection.endheaders()
    connection.send(multipart_prefix())  # then nothing more: the answer must not wait for 10 GB
    response = connection.getresponse()
    assert response.status == 413
    assert b"larger than this site accepts" in response.read()
    assert leftovers(media) == []


def test_gunicorn_oversize_chunked_upload_is_413_and_the_partial_file_is_gone(server):
    port, media = server
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)
    sock.sendall(b"POST /_test/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                 + f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode())

    def send_chunk(data: bytes) -> None:
        sock.sendall(f"{len(data):X}\r\n".encode() + data + b"\r\n")

    send_chunk(multipart_prefix())
    block = b"\xaa" * 64 * 1024
    sent, answer = 0, b""
    # What the client can push without the server reading it: both sockets' buffers, plus the server's
    # 1 MiB read block. A slow (loaded) server only lets the client fill these sooner or later, so the
    # bytes sent are bounded by work, whatever the timing.
    buffered = loopback_buffer_bytes() + 2 * 1024 * 1024
    sock.settimeout(60)
    # Keep sending past the limit (bounded well above what a server that stops reading can absorb)
    # until the server answers or stops reading.
    while sent < 2 * (SERVER_LIMIT + buffered):
        if select.select([sock], [], [], 0)[0]:
            break
        try:
            send_chunk(block)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            break
        sent += len(block)
    sock.settimeout(60)
    try:
        while b"\r\n\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent <= SERVER_LIMIT + buffered  # it stopped reading at the limit
    assert wait_until_clean(media) == []


def test_gunicorn_client_disconnect_mid_upload_leaves_nothing(server):
    port, media = server
    data = (DATA / "vbr_no_xing.mp3").read_bytes() * 12  # about 2.8 MB: more than one read block
    body = multipart_prefix() + data + multipart_suffix()
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)
    sock.sendall(b"POST /_test/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 + f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n".encode())
    sock.sendall(body[: len(body) * 3 // 4])
    deadline = time.monotonic() + WAIT_SECONDS
    while not leftovers(media) and time.monotonic() < deadline:  # the part file exists while receiving
        time.sleep(0.02)
    assert leftovers(media), "the upload should be in progress"
    sock.close()
    assert wait_until_clean(media) == []
    assert not list((media / "audio").glob("*.mp3"))


# --- the spool itself ----------------------------------------------------------------------------------------------


def writer_threads() -> list:
    """The spool helper threads still alive (the writer and the frame counter)."""
    import threading

    return [thread for thread in threading.enumerate() if thread.name in ("upload-writer", "upload-frames")]


def test_spool_writes_and_hashes_everything_in_order(tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 12345)
    spool = UploadSpool(tmp_path / ".upload-test.part", max_bytes=None)
    position = 0
    for size in [1, 65536, 3 * 1024 * 1024, 7, 100000] * 10:
        piece = data[position:position + size]
        if not piece:
            break
        spool.write(piece)
        position += len(piece)
    spool.write(data[position:])
    spool.seek(0)
    assert spool.read() == data
    assert spool.size == len(data)
    assert spool.sha256 == hashlib.sha256(data).hexdigest()
    spool.close()
    assert (tmp_path / ".upload-test.part").read_bytes() == data
    assert writer_threads() == []


def test_spool_counts_the_frames_of_an_mp3_as_it_is_written(tmp_path):
    data = (DATA / "vbr_no_xing.mp3").read_bytes() * 12  # several hand-off blocks
    spool = UploadSpool(tmp_path / ".upload-test.part", max_bytes=None, count_frames=True)
    for start in range(0, len(data), 300_001):
        spool.write(data[start:start + 300_001])
    counted = spool.frames
    spool.close()
    assert counted is not None and counted.size == len(data)
    assert counted.count == count_mpeg_frames(tmp_path / ".upload-test.part")


def test_spool_counts_nothing_for_other_files(tmp_path):
    spool = UploadSpool(tmp_path / ".upload-test.part", max_bytes=None, count_frames=True)
    spool.write((DATA / "aac.m4a").read_bytes())
    assert spool.frames is None
    spool.discard()


def test_spool_discard_stops_its_helper_and_removes_the_file(tmp_path):
    spool = UploadSpool(tmp_path / ".upload-test.part", max_bytes=None)
    for _ in range(6):
        spool.write(os.urandom(1024 * 1024))
    spool.discard()
    spool.discard()
    assert not (tmp_path / ".upload-test.part").exists()
    assert writer_threads() == []


def test_spool_over_its_limit_is_removed_at_once(tmp_path):
    from werkzeug.exceptions import RequestEntityTooLarge

    spool = UploadSpool(tmp_path / ".upload-test.part", max_bytes=3 * 1024 * 1024)
    with pytest.raises(RequestEntityTooLarge):
        for _ in range(5):
            spool.write(os.urandom(1024 * 1024))
    assert not (tmp_path / ".upload-test.part").exists()
    assert writer_threads() == []


@pytest.mark.parametrize("count_frames", [False, True])
def test_spool_write_error_reaches_the_request(tmp_path, count_frames):
    spool = UploadSpool(tmp_path / ".upload-test.part", max_bytes=None, count_frames=count_frames)
    spool.write(os.urandom(2 * 1024 * 1024))
    spool.seek(0)
    read_only = os.open(os.devnull, os.O_RDONLY)
    os.dup2(read_only, spool.fileno())  # writes to the spool's descriptor now fail
    os.close(read_only)
    with pytest.raises(OSError):
        for _ in range(8):
            spool.write(os.urandom(1024 * 1024))
        spool.seek(0)
    spool.discard()
    assert writer_threads() == []


def test_spool_keeps_reusing_a_few_blocks(tmp_path):
    # Memory stays bounded by the spool's own blocks however much arrives, in whatever pieces.
    data = (DATA / "vbr_no_xing.mp3").read_bytes() * 100  # about 23 MB
    pieces = [data[start:start + 1024 * 1024 + 7] for start in range(0, len(data), 1024 * 1024 + 7)]
    spool = UploadSpool(tmp_path / ".upload-test.part", max_bytes=None, count_frames=True)
    tracemalloc.start()
    try:
        for piece in pieces:
            spool.write(piece)
        counted = spool.frames
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Every thread's allocations while 23 MB went through: the spool's blocks and the frame walk's window.
    assert peak < 8 * 1024 * 1024
    assert spool.sha256 == hashlib.sha256(data).hexdigest()
    spool.close()
    assert counted is not None and counted.count == count_mpeg_frames(tmp_path / ".upload-test.part")
    assert writer_threads() == []


def test_spool_frame_thread_failure_leaves_the_count_to_the_probe(tmp_path, monkeypatch):
    # A failure inside the frame walk (its own thread) is not an upload failure: the file is complete
    # and hashed, and the probe walks it instead, so the form answers as it would without the count.
    calls = []

    def failing_feed(self, data):
        calls.append(len(data))
        if len(calls) == 2:
            raise ValueError("walk failed")

    monkeypatch.setattr(uploads.FrameCounter, "feed", failing_feed)
    data = (DATA / "vbr_no_xing.mp3").read_bytes() * 12
    spool = UploadSpool(tmp_path / ".upload-test.part", max_bytes=None, count_frames=True)
    for start in range(0, len(data), 100_000):
        spool.write(data[start:start + 100_000])
    assert spool.frames is None
    assert len(calls) == 2  # nothing more was fed after the failure
    assert spool.sha256 == hashlib.sha256(data).hexdigest()
    spool.close()
    assert (tmp_path / ".upload-test.part").read_bytes() == data
    walked = probe(tmp_path / ".upload-test.part").duration
    assert walked == pytest.approx(probe(DATA / "vbr_no_xing.mp3").duration * 12, rel=1e-3)
    assert writer_threads() == []
