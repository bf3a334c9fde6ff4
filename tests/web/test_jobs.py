"""Background jobs on real queues (a SQLite file, a Redis server): feed files, pings, scheduled publication,
retries with backoff, the import's progress, the doctor, and the admin's Jobs page."""
from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.http import parse_date

from podcaster import jobs
from podcaster.content.feeds import health
from podcaster.extensions import db
from podcaster.jobs import queue_of, run_pending
from podcaster.models import JobRecord, Show, utcnow

from ..helpers.feeds import NOW, NS, make_show, parse
from ..helpers.web import page_text, post_form

FEED_URL = "http://podcaster.test/podcasts/quiet-page/feed.xml"


@pytest.fixture
def sqlite_queue(app, tmp_path):
    """The app's jobs on a SQLite queue file, as on one machine."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    jobs.init_app(app)
    return queue_of(app)


def hubs_at(app, receiver, pubnotify: bool = True) -> None:
    app.config.update(WEBSUB_HUBS=f"{receiver.base}/hub",
                      PODCASTINDEX_PUBNOTIFY_URL=f"{receiver.base}/pubnotify" if pubnotify else "off",
                      FETCH_ALLOW_PRIVATE=True)  # the receiver is on 127.0.0.1


def feed_file(app, slug: str = "quiet-page") -> Path:
    return Path(app.config["FEED_FILES_DIR"]) / "podcasts" / slug / "feed.xml"


def records(app, name: str | None = None) -> list[JobRecord]:
    with app.app_context():
        query = db.select(JobRecord).order_by(JobRecord.id)
        if name:
            query = query.filter_by(name=name)
        found = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return found


def test_an_edit_writes_the_feed_files_and_pings_once(app, client, clock, receiver, sqlite_queue):
    hubs_at(app, receiver)
    make_show(app, episodes=2)
    assert sqlite_queue.pending_count() == 1  # one refresh for the whole edit, never the edit's own work
    assert receiver.requests == []
    assert run_pending(app, clock()) == 3  # the refresh, then a ping per receiver

    served = client.get("/podcasts/quiet-page/feed.xml")
    path = feed_file(app)
    assert path.read_bytes() == served.data
    assert gzip.decompress(path.with_name("feed.xml.gz").read_bytes()) == served.data
    assert oct(path.stat().st_mode & 0o777) == "0o644"  # nginx runs as another user
    # nginx's Last-Modified (the file's time) is the app's
    assert path.stat().st_mtime == parse_date(served.headers["Last-Modified"]).timestamp()
    hub_links = parse(path.read_bytes()).xpath("/rss/channel/atom:link[@rel='hub']/@href", namespaces=NS)
    assert hub_links == [f"{receiver.base}/hub"]
    assert [(request.method, request.path) for request in receiver.requests] == [
        ("POST", "/hub"), ("GET", "/pubnotify")]
    assert receiver.requests[0].body == b"hub.mode=publish&hub.url=" + FEED_URL.replace(":", "%3A").replace(
        "/", "%2F").encode()
    assert receiver.requests[1].query == {"url": [FEED_URL]}

    # Run twice, one result: nothing changed, so no file is rewritten and no ping goes out again.
    before = path.stat().st_ino
    with app.app_context():
        jobs.tasks.queue_refresh()
    assert run_pending(app, clock()) == 1
    assert path.stat().st_ino == before and len(receiver.requests) == 2
    assert [record.state for record in records(app, "ping")] == ["done", "done"]


def test_a_scheduled_episode_goes_out_at_its_time_with_no_request(app, clock, receiver, sqlite_queue):
    hubs_at(app, receiver, pubnotify=False)
    make_show(app, episodes=1, scheduled=1)
    run_pending(app, clock())
    items = lambda: len(parse(feed_file(app).read_bytes()).findall("channel/item"))
    assert items() == 1
    (waiting,) = sqlite_queue.scheduled()
    assert waiting.eta == NOW + timedelta(days=1)  # the refresh waits for the publication time

    audio_link = Path(app.config["FEED_FILES_DIR"]) / "media" / "audio" / "quiet-page" / "episode-2.mp3"
    assert not audio_link.exists() and audio_link.with_name("episode-1.mp3").is_symlink()

    clock.now = NOW + timedelta(hours=23)
    assert run_pending(app, clock()) == 0 and items() == 1
    clock.now = NOW + timedelta(days=1)
    assert run_pending(app, clock()) == 2  # the scheduled refresh, and its ping
    assert items() == 2
    assert len(receiver.requests) == 2  # a ping for each version of the feed
    # nginx now sends the new episode's audio from disk: the link leads to the stored file
    assert audio_link.resolve() == (Path(app.config["MEDIA_ROOT"]) / "audio/quiet-page/episode-2.mp3").resolve()


def test_a_failing_ping_is_retried_with_backoff_and_its_record_shows_the_error(
        app, client, auth, clock, receiver, sqlite_queue):
    hubs_at(app, receiver, pubnotify=False)
    receiver.answers = [503, 202]
    make_show(app, episodes=1)
    run_pending(app, clock())
    (ping,) = records(app, "ping")
    assert (ping.state, ping.attempts) == ("retrying", 1)
    assert "the server answered HTTP 503" in ping.error
    auth.login()
    assert "Error: FetchHTTPError: could not fetch" in page_text(client.get("/admin/jobs"))
    (retry,) = sqlite_queue.scheduled()
    assert retry.retry_delay == 60  # waited 30 s, the next wait doubles

    assert run_pending(app, utcnow() + timedelta(minutes=1)) == 1
    (ping,) = records(app, "ping")
    assert (ping.state, ping.attempts, ping.error) == ("done", 2, None)
    assert ping.message == f"websub POST {receiver.base}/hub answered HTTP 202"
    assert len(receiver.requests) == 2


def test_a_failed_job_can_be_tried_again_from_the_jobs_page(app, client, auth, clock, sqlite_queue):
    with app.app_context():
        jobs.enqueue("import_podcast", label="Import lost.xml", feed_path=str(Path(app.instance_path) / "none.xml"))
    moment = utcnow()
    for _ in range(3):  # the first attempt and its two retries
        moment += timedelta(hours=1)
        run_pending(app, moment)
    (failed,) = records(app, "import_podcast")
    assert (failed.state, failed.attempts) == ("failed", 3) and "FileNotFoundError" in failed.error
    auth.login()
    page = page_text(client.get("/admin/jobs"))
    assert "Try again" in page and "Import lost.xml" in page
    response = post_form(client, f"/admin/jobs/{failed.id}/retry", {}, form_url="/admin/jobs")
    assert response.status_code == 302
    again = records(app, "import_podcast")[-1]
    assert (again.state, again.arguments, again.label) == ("queued", failed.arguments, "Import lost.xml")
    assert client.post(f"/admin/jobs/{failed.id}/retry").status_code == 400  # no CSRF token


def test_the_import_job_shows_its_progress(app, client, auth, clock, sqlite_queue, tmp_path):
    items = "".join(f"<item><title>Part {n}</title><guid>part-{n}</guid><pubDate>Mon, 06 Jan 2025 09:30:00 GMT"
                    f"</pubDate><enclosure url='https://old-host.example/{n}.mp3' length='10' type='audio/mpeg'/>"
                    f"</item>" for n in range(1, 4))
    feed = f"<rss version='2.0'><channel><title>Moving Day</title><description>d</description>{items}</channel></rss>"
    auth.login()
    response = post_form(client, "/admin/import", {"feed_file": (io.BytesIO(feed.encode()), "old.xml"),
                                                   "keep_remote": "y"}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/jobs")
    (queued,) = records(app, "import_podcast")
    assert queued.state == "queued" and "<progress" not in page_text(client.get("/admin/jobs"))
    kept = Path(queued.arguments["feed_path"])
    assert kept.is_file() and kept.is_relative_to(tmp_path)  # the test's own instance folder, not the checkout's
    run_pending(app, clock())
    (done,) = records(app, "import_podcast")
    assert (done.state, done.progress_done, done.progress_total) == ("done", 3, 3)
    page = page_text(client.get("/admin/jobs"))
    assert f'<progress id="progress-{done.id}"' in page and 'max="3" value="3"' in page
    assert "Imported “Moving Day”: 3 new and 0 updated episodes" in page
    assert not Path(queued.arguments["feed_path"]).exists()  # the kept upload is gone once imported
    assert feed_file(app, "moving-day").is_file()  # its commits queued the feed refresh


def test_savepoints_neither_queue_the_feed_refresh_nor_lose_it(app, clock, sqlite_queue):
    """SQLAlchemy sends after_commit when a savepoint is released and after_rollback when one is rolled
    back (the importer saves each item in one): the refresh waits for the real commit, and a savepoint
    rolled back does not drop the note that the transaction's earlier changes altered the feed."""
    from sqlalchemy.exc import IntegrityError

    from podcaster.models import User

    from ..helpers.web import ADMIN_EMAIL

    show_id = make_show(app, episodes=1)
    run_pending(app, clock())
    assert [record.state for record in records(app, "refresh_feeds")] == ["done"]
    with app.app_context():
        show = db.session.get(Show, show_id)
        show.title = "Quiet Page, renamed"
        db.session.flush()
        with db.session.begin_nested():
            show.subtitle = "Changed in a savepoint"
        assert [record.state for record in records(app, "refresh_feeds")] == ["done"]
        clash = User(email=ADMIN_EMAIL)  # a row no feed shows, so only the earlier changes are noted
        clash.set_password("another password")
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(clash)
        db.session.commit()
    assert [record.state for record in records(app, "refresh_feeds")] == ["done", "queued"]


def test_the_doctor_job_stores_its_figures_and_files_follow_a_moved_show(app, clock, sqlite_queue):
    show_id = make_show(app, episodes=1)
    run_pending(app, clock())
    assert feed_file(app).is_file()
    with app.app_context():
        jobs.enqueue("doctor", label="Check every feed")
    run_pending(app, clock())
    with app.app_context():
        assert show_id in health.summaries(db.session, clock())
        db.session.get(Show, show_id).new_feed_url = "https://new-host.example/feed.xml"
        db.session.commit()
    run_pending(app, clock())
    assert not feed_file(app).exists()  # the app answers 301 there now; a file would hide it


def test_an_edit_is_saved_when_the_queue_cannot_be_reached(app, client):
    from ..helpers.live import free_port

    app.config["QUEUE_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    jobs.init_app(app)
    show_id = make_show(app, episodes=1)
    with app.app_context():
        assert db.session.get(Show, show_id) is not None
    (refresh,) = records(app, "refresh_feeds")
    assert refresh.state == "failed" and refresh.error.startswith("The queue could not be reached: ConnectionError")
    assert client.get("/podcasts/quiet-page/feed.xml").status_code == 200  # the app still serves the feed


def test_a_worker_process_runs_jobs_from_redis(app, tmp_path, redis_server):
    import redis

    redis.Redis.from_url(redis_server).flushdb()
    app.config["QUEUE_URL"] = redis_server
    jobs.init_app(app)
    make_show(app, episodes=1)
    assert queue_of(app).pending_count() == 1
    env = {**os.environ, "PODCASTER_DATABASE_URL": app.config["DATABASE_URL"], "PODCASTER_QUEUE_URL": redis_server,
           "PODCASTER_MEDIA_ROOT": app.config["MEDIA_ROOT"], "PODCASTER_FEED_FILES_DIR": app.config["FEED_FILES_DIR"],
           "PODCASTER_SITE_URL": "http://podcaster.test", "PODCASTER_SECRET_KEY": "test-secret",
           "PODCASTER_INSTANCE_PATH": str(tmp_path / "worker"), "PODCASTER_PODCASTINDEX_PUBNOTIFY_URL": "off"}
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen([sys.executable, "-m", "podcaster", "worker", "--threads", "1"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and [r.state for r in records(app, "refresh_feeds")] != ["done"]:
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    assert [record.state for record in records(app, "refresh_feeds")] == ["done"], (tmp_path / "worker.log").read_text()
    assert feed_file(app).read_bytes() == app.test_client().get("/podcasts/quiet-page/feed.xml").data


def test_a_worker_told_to_stop_mid_job_finishes_it_records_it_and_exits(app, tmp_path, receiver):
    """SIGINT (``podcaster run``'s stop, Ctrl-C): the running job ends and is recorded, then the worker exits."""
    import signal

    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    jobs.init_app(app)
    receiver.hold.clear()  # the ping waits for its answer: the worker is caught mid-job
    target = f"{receiver.base}/pubnotify"
    env = {**os.environ, "PODCASTER_DATABASE_URL": app.config["DATABASE_URL"],
           "PODCASTER_QUEUE_URL": app.config["QUEUE_URL"], "PODCASTER_MEDIA_ROOT": app.config["MEDIA_ROOT"],
           "PODCASTER_SITE_URL": "http://podcaster.test", "PODCASTER_SECRET_KEY": "test-secret",
           "PODCASTER_INSTANCE_PATH": str(tmp_path / "worker"), "PODCASTER_PODCASTINDEX_PUBNOTIFY_URL": target,
           "PODCASTER_FETCH_ALLOW_PRIVATE": "true"}
    with app.app_context():
        task_id = jobs.enqueue("ping", label="Ping", kind="podcastindex", target=target,
                               feed_url="http://podcaster.test/podcasts/quiet-page/feed.xml")
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen([sys.executable, "-m", "podcaster", "worker", "--threads", "1"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            assert receiver.held.wait(timeout=90), (tmp_path / "worker.log").read_text()
            assert [record.state for record in records(app, "ping")] == ["running"]
            worker.send_signal(signal.SIGINT)
            receiver.hold.set()
            assert worker.wait(timeout=60) == 0, (tmp_path / "worker.log").read_text()
        finally:
            receiver.hold.set()
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)
    (record,) = records(app, "ping")
    assert (record.task_id, record.state) == (task_id, "done"), record.error
    assert record.message.endswith("answered HTTP 200") and len(receiver.requests) == 1


def test_a_worker_killed_mid_transfer_leaves_no_half_object_and_a_restart_sends_it_once(app, tmp_path, s3_settings):
    import signal

    from podcaster.content.storage_s3 import remote_store_from_config
    from podcaster.jobs.tasks import queue_transfer
    from podcaster.models import MediaFile

    queue_url = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    app.config.update(MEDIA_BACKEND="s3", QUEUE_URL=queue_url, **s3_settings)
    jobs.init_app(app)
    with app.app_context():
        store = remote_store_from_config(app.config)
        stored = store.save_bytes(os.urandom(24 * 1024 * 1024), "audio/big/take.mp3")  # five 5 MiB parts
        row = MediaFile(path=stored.path, size=stored.size, sha256=stored.sha256, mime_type="audio/mpeg",
                        kind="audio")
        db.session.add(row)
        db.session.commit()
        media_id, path = row.id, row.path
        assert queue_transfer(media_id, path)
    env = {**os.environ, "PODCASTER_DATABASE_URL": app.config["DATABASE_URL"], "PODCASTER_QUEUE_URL": queue_url,
           "PODCASTER_MEDIA_ROOT": app.config["MEDIA_ROOT"], "PODCASTER_FEED_FILES_DIR": app.config["FEED_FILES_DIR"],
           "PODCASTER_SITE_URL": "http://podcaster.test", "PODCASTER_SECRET_KEY": "test-secret",
           "PODCASTER_INSTANCE_PATH": str(tmp_path / "worker"), "PODCASTER_PODCASTINDEX_PUBNOTIFY_URL": "off",
           "PODCASTER_MEDIA_BACKEND": "s3", "PODCASTER_S3_PART_BYTES": str(5 * 1024 * 1024),
           **{f"PODCASTER_{name}": str(value) for name, value in s3_settings.items()}}
    log_path = tmp_path / "worker.log"

    def start_worker(*options: str) -> subprocess.Popen:
        with open(log_path, "a") as log:
            return subprocess.Popen([sys.executable, "-m", "podcaster", "worker", "--threads", "1", *options],
                                    env=env, stdout=log, stderr=subprocess.STDOUT)

    worker = start_worker()
    try:
        deadline = time.monotonic() + 60
        while not store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads"):
            assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)  # parts are in flight
    finally:
        worker.kill()
        worker.wait(timeout=30)
    assert store.head(path) is None  # no half object: an unfinished multipart upload is never an object
    assert [item["Key"] for item in store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])] == []
    with app.app_context():
        assert db.session.get(MediaFile, media_id).stored_in == "local"
    assert store.path_of(path).stat().st_size == stored.size  # the local copy waits for the retry
    assert [record.state for record in records(app, "transfer_media")] == ["running"]

    worker = start_worker("--requeue-interrupted")
    try:
        deadline = time.monotonic() + 120
        while [record.state for record in records(app, "transfer_media")] != ["done"]:
            assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    [record] = records(app, "transfer_media")
    assert (record.attempts, record.message) == (2, "sent and verified")
    found = store.head(path)
    assert (found.size, found.sha256) == (stored.size, stored.sha256)
    with app.app_context():
        assert db.session.get(MediaFile, media_id).stored_in == "s3"
    assert not store.path_of(path).exists()


def test_with_redis_a_transfer_is_queued_for_the_machine_that_holds_the_file(app, redis_server, s3_settings):
    import redis

    from podcaster.content.storage_s3 import remote_store_from_config
    from podcaster.jobs.runner import host_queue, requeue_interrupted
    from podcaster.jobs.tasks import queue_transfer
    from podcaster.models import MediaFile

    redis.Redis.from_url(redis_server).flushdb()
    app.config.update(MEDIA_BACKEND="s3", QUEUE_URL=redis_server, HOST_NAME="app-a", **s3_settings)
    jobs.init_app(app)
    with app.app_context():
        stored = remote_store_from_config(app.config).save_bytes(b"ID3" + os.urandom(4000), "audio/a/take.mp3")
        row = MediaFile(path=stored.path, size=stored.size, sha256=stored.sha256, mime_type="audio/mpeg",
                        kind="audio")
        db.session.add(row)
        db.session.commit()
        media_id = row.id
        assert queue_transfer(media_id, stored.path)
    own, other = host_queue(app, "app-a")[0], host_queue(app, "app-b")[0]
    assert (queue_of(app).pending_count(), own.pending_count(), other.pending_count()) == (0, 1, 0)
    [record] = records(app, "transfer_media")
    assert record.arguments["host"] == "app-a"

    # A consumer of app-a killed during the job: only app-a's own worker queues it again.
    own.flush()
    with app.app_context():
        db.session.execute(db.update(JobRecord).values(state="running"))
        db.session.commit()
        app.config["HOST_NAME"] = "app-b"
        assert requeue_interrupted(app) == 0 and other.pending_count() == 0
        app.config["HOST_NAME"] = "app-a"
        assert requeue_interrupted(app) == 1 and own.pending_count() == 1
    assert run_pending(app, huey=own) == 1
    [record] = records(app, "transfer_media")
    assert (record.state, record.attempts) == ("done", 1)
    with app.app_context():
        assert db.session.get(MediaFile, media_id).stored_in == "s3"
