"""Faults, each with the real part failing: the database restarted under load (503 with Retry-After, then
the site recovers), Redis down (pages, feeds and edits carry on; the jobs run once it is back), the S3 server
down (uploads wait in the media folder and are sent by the job's retry; published media still redirect to the
CDN), the disk full during an upload (507, nothing left)."""
from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from podcaster import create_app, jobs
from podcaster.extensions import db
from podcaster.jobs import queue_of, run_pending
from podcaster.content.storage_s3 import remote_store_from_config
from podcaster.models import Episode, JobRecord, MediaFile, utcnow

from ..helpers import pg, redis
from ..helpers.feeds import NOW, Clock, make_show
from ..helpers.live import free_port
from ..helpers.media import files_under, media_files, repeated_mp3
from ..helpers.podcasts import create_show, episode_data, only_episode, post_episode, upload
from ..helpers.rows import count

#: A request that takes longer than this is a hang (the connect timeout is 5 s); not a speed assertion.
HANG = 60
PAGES = ("/podcasts/quiet-page", "/podcasts/quiet-page/feed.xml", "/media/audio/quiet-page/episode-1.mp3")


@pytest.fixture(scope="module")
def cluster():
    """A PostgreSQL cluster of this module's own, since the test stops and starts it."""
    reason = pg.available()
    if reason:
        pytest.skip(f"the restart test needs a local cluster: {reason}")
    own = pg.Cluster()
    url = own.start()
    yield own, url
    own.stop()


def _statuses(app, paths, workers: int = 4) -> list[tuple[str, int, str | None, bytes]]:
    """Each path requested by ``workers`` clients at once: (path, status, Retry-After, body)."""
    def fetch(path):
        response = app.test_client().get(path)
        try:
            return path, response.status_code, response.headers.get("Retry-After"), response.get_data()
        finally:
            response.close()  # a media answer holds its file open until closed

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fetch, [path for path in paths for _ in range(workers)], timeout=HANG))


def test_a_database_restart_answers_503_then_the_site_recovers(cluster, tmp_path):
    own, url = cluster
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                      "MEDIA_ROOT": str(tmp_path / "media"), "SITE_URL": "http://podcaster.test",
                      "QUEUE_URL": "memory://", "FEED_FILES_DIR": str(tmp_path / "feeds"),
                      "PODCASTINDEX_PUBNOTIFY_URL": "", "CLOCK": Clock(NOW)})
    with app.app_context():
        from podcaster.cli import upgrade_schema

        upgrade_schema()
    make_show(app, episodes=1)
    try:
        # Twice: the first feed request builds the feed, the second is answered by the lean path.
        for _ in range(2):
            assert {(path, status) for path, status, _, _ in _statuses(app, PAGES, workers=2)} == {
                (path, 200) for path in PAGES}

        own.pause()
        try:
            during = _statuses(app, PAGES)
        finally:
            own.resume()
        for path, status, retry_after, body in during:
            assert (path, status, retry_after) == (path, 503, "30")
            assert b"cannot reach its database" in body

        after = _statuses(app, PAGES)  # the same app and pool: the disconnects invalidated it
        assert {(path, status) for path, status, _, _ in after} == {(path, 200) for path in PAGES}
        assert b"<rss" in dict((path, body) for path, _, _, body in after)["/podcasts/quiet-page/feed.xml"]
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, since the test stops it and starts it again on the same port."""
    reason = redis.available()
    if reason:
        pytest.skip(f"the Redis outage test needs {reason}")
    server = redis.RedisServer(tmp_path).start()
    yield server
    server.stop()


def test_with_redis_down_the_site_serves_and_saves_and_the_jobs_run_when_it_returns(
        app, client, auth, clock, own_redis):
    app.config["QUEUE_URL"] = own_redis.url
    jobs.init_app(app)
    make_show(app, episodes=1)
    assert run_pending(app, clock()) == 1  # the show's feed refresh, through Redis
    feeds = Path(app.config["FEED_FILES_DIR"]) / "podcasts"

    own_redis.stop()
    for path in ("/podcasts/quiet-page", "/podcasts/quiet-page/feed.xml", "/media/audio/quiet-page/episode-1.mp3"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
    auth.login()
    create_show(app, client, title="Said While Away", slug="said-while-away")  # asserts the 302 of a save
    with app.app_context():
        refresh = db.session.execute(db.select(JobRecord).filter_by(name="refresh_feeds")
                                     .order_by(JobRecord.id.desc())).scalars().first()
        assert refresh.state == "failed" and refresh.error.startswith("The queue could not be reached")
    assert not (feeds / "said-while-away" / "feed.xml").exists()

    own_redis.start()  # the same port: the app's Redis client reconnects by itself
    huey = queue_of(app)
    for task in huey.read_periodic(clock()):  # what the worker's scheduler does at the quarter hour
        huey.enqueue(task)
    assert run_pending(app, clock()) >= 1
    assert b"Said While Away" in (feeds / "said-while-away" / "feed.xml").read_bytes()


@pytest.fixture
def full_disk(app, tmp_path):
    """The media folder on a real 256 KiB filesystem (a tmpfs, mounted as root; CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the full-disk test needs root")
    media = Path(app.config["MEDIA_ROOT"])
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(media)], check=True, timeout=30)
    try:
        yield media
    finally:
        subprocess.run(["umount", str(media)], check=True, timeout=30)


def test_an_upload_that_fills_the_disk_is_507_and_leaves_nothing(app, client, auth, full_disk, tmp_path):
    auth.login()
    show = create_show(app, client)  # its artwork is removed again: the media folder is empty
    # About 390 KB: more than the disk holds, less than the test client spools to a temporary file.
    audio = repeated_mp3(tmp_path / "long.mp3", 2)
    with audio.open("rb") as handle:
        response = post_episode(client, show.id, episode_data(audio=(handle, "long.mp3")))
    assert response.status_code == 507
    assert "disk is full" in response.get_data(as_text=True)
    assert files_under(full_disk) == []
    assert count(app, Episode) == 0 and count(app, MediaFile) == 0


def _s3_down(app) -> str:
    """Point the app at an S3 endpoint where nothing listens (a server that is down); returns the real one."""
    real = app.config["S3_ENDPOINT_URL"]
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    return real


def test_with_s3_down_an_upload_keeps_its_file_and_the_retried_job_sends_and_publishes_it(
        app, client, auth, show, s3_settings, tmp_path):
    app.config.update(MEDIA_BACKEND="s3", QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite'}", **s3_settings)
    jobs.init_app(app)  # a real queue: the transfer is a job, as on a site
    real_endpoint = _s3_down(app)
    assert post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"))).status_code == 302
    audio = only_episode(app).audio
    assert (only_episode(app).status, audio.stored_in) == ("draft", "local")

    run_pending(app, utcnow())  # the first attempt: the bucket cannot be reached
    with app.app_context():
        [record] = db.session.execute(db.select(JobRecord).filter_by(key=f"transfer:{audio.id}")).scalars()
        assert record.state == "retrying" and "could not send" in record.error
    assert (only_episode(app).status, only_episode(app).audio.stored_in) == ("draft", "local")
    assert audio.path in media_files(app)  # the upload waits in the media folder

    app.config["S3_ENDPOINT_URL"] = real_endpoint  # the server is back
    run_pending(app, utcnow() + timedelta(hours=1))  # the retry, once its wait is over
    episode = only_episode(app)
    assert (episode.status, episode.audio.stored_in) == ("published", "s3")
    assert audio.path not in media_files(app)
    found = remote_store_from_config(app.config).head(audio.path)
    assert (found.size, found.sha256) == (audio.size, audio.sha256)


def test_with_s3_down_listeners_of_published_episodes_still_get_the_cdn(app, client, auth, show, s3_settings):
    app.config.update(MEDIA_BACKEND="s3", S3_PUBLIC_BASE_URL="https://cdn.example/pod/", **s3_settings)
    assert post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"))).status_code == 302
    path = only_episode(app).audio.path
    auth.logout()
    _s3_down(app)
    for _ in range(2):  # the app's own answer, then the lean path's
        answer = client.get(f"/media/{path}", headers={"Range": "bytes=0-99"})
        assert (answer.status_code, answer.headers["Location"]) == (302, f"https://cdn.example/pod/{path}")
    feed = client.get(f"/podcasts/{show.slug}/feed.xml")
    assert feed.status_code == 200 and f"/media/{path}".encode() in feed.data
