"""One site on several "machines": two app servers and a worker, each with its own media and instance folder,
against one PostgreSQL, one Redis and the Swift S3 server, all real processes on 127.0.0.1.

One cluster for the module (its processes cost most of the time): the tests run in order on it, each on its
own show. The worker talks to S3 through a slow link (``SlowLink``), so a test can kill it mid-upload.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import etree
from sqlalchemy.orm import Session

from podcaster.models import Episode, JobRecord, MediaFile

from ..helpers.live import HttpSession, LiveSite, make_show
from ..helpers.media import DATA, files_under, repeated_mp3
from ..helpers.pg import fresh_database
from ..helpers.podcasts import episode_data
from ..helpers.s3 import new_bucket_settings, s3_store
from ..helpers.slowlink import SlowLink
from ..helpers.web import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.integration

#: Bound of every wait for another process (a machine shared with other work is slow, never this slow).
WAIT = 60
PART = 5 * 1024 * 1024


def _until(check, what: str, seconds: float = WAIT, every: float = 0.1):
    """Poll ``check()`` until it returns something true (returned), failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {seconds} s: {what}")


class Worker:
    """``podcaster worker`` on its own "machine" (environment, media and instance folder)."""

    def __init__(self, folder: Path, env: dict) -> None:
        self.folder, self.env, self.process, self.starts = folder, env, None, 0

    def python(self, script: str) -> str:
        """Run a Python script on this machine; returns its last line of output."""
        done = subprocess.run([sys.executable, "-c", script], env=self.env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def start(self, *options: str) -> Worker:
        self.starts += 1
        log = open(self.folder / f"worker-{self.starts}.log", "w")
        self.process = subprocess.Popen([sys.executable, "-m", "podcaster", "worker", "--threads", "2", *options],
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _until(lambda: "Worker running" in (self.folder / f"worker-{self.starts}.log").read_text()
               or self.process.poll() is not None, "the worker started")
        assert self.process.poll() is None, (self.folder / f"worker-{self.starts}.log").read_text()
        return self

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=WAIT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


class Cluster:
    def __init__(self, a: LiveSite, b: LiveSite, worker: Worker, engine, bucket, link: SlowLink) -> None:
        self.a, self.b, self.worker, self.engine, self.bucket, self.link = a, b, worker, engine, bucket, link

    def episode(self, slug: str) -> Episode | None:
        with Session(self.engine) as session:
            episode = session.execute(sa.select(Episode).filter_by(slug=slug)).scalar_one_or_none()
            if episode is not None:
                episode.audio  # loaded before the session closes
            return episode

    def records(self, key: str) -> list[JobRecord]:
        with Session(self.engine) as session:
            return list(session.execute(sa.select(JobRecord).filter_by(key=key)).scalars())

    def machine(self, name: str, folder: Path, **settings: str) -> dict:
        """The environment of one more machine (own media and instance folder) of this site."""
        return {**self.worker.env, "PODCASTER_HOST_NAME": name, "PODCASTER_MEDIA_ROOT": str(folder / "media"),
                "PODCASTER_INSTANCE_PATH": str(folder / "instance"),
                "PODCASTER_FEED_FILES_DIR": str(folder / "feeds"), **settings}


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory, postgres_server, redis_server, s3_server):
    base = tmp_path_factory.mktemp("machines")
    databases = fresh_database(request, "postgresql", base)
    database_url = next(databases)
    s3 = new_bucket_settings(s3_server)
    link = SlowLink(s3_server.proxy_port).start()
    shared = {
        "PODCASTER_DATABASE_URL": database_url,
        # A Redis database of its own: no task another test left in the session's Redis reaches this site.
        "PODCASTER_QUEUE_URL": redis_server.rsplit("/", 1)[0] + "/7",
        "PODCASTER_MEDIA_BACKEND": "s3", "PODCASTER_S3_PART_BYTES": str(PART),
        "PODCASTER_RUN_WORKER": "false",  # the worker serves the shared queue; each server its own
        **{f"PODCASTER_{name}": value for name, value in s3.items()},
    }
    started: list = []
    try:
        a = LiveSite(base / "a", workers=1, run=True, extra_env={**shared, "PODCASTER_HOST_NAME": "a"})
        started.append(a)
        a.start()
        b = LiveSite(base / "b", workers=1, run=True,
                     extra_env={**shared, "PODCASTER_HOST_NAME": "b", "PODCASTER_SITE_URL": a.url})
        started.append(b)
        b.start()
        a.command("create-admin", ADMIN_EMAIL, "--password-stdin", input=ADMIN_PASSWORD + "\n")
        folder = base / "w"
        folder.mkdir()
        env = {**a.env, **shared, "PODCASTER_HOST_NAME": "w", "PODCASTER_MEDIA_ROOT": str(folder / "media"),
               "PODCASTER_INSTANCE_PATH": str(folder / "instance"), "PODCASTER_FEED_FILES_DIR": str(folder / "feeds"),
               "PODCASTER_S3_ENDPOINT_URL": link.url, "PYTHONUNBUFFERED": "1"}
        worker = Worker(folder, env)
        started.append(worker)
        worker.start()
        engine = sa.create_engine(database_url)
        yield Cluster(a, b, worker, engine, s3_store(base / "probe", s3), link)
        engine.dispose()
    finally:
        for part in started:  # all at once: each takes seconds to finish its jobs and stop
            if part.process is not None and part.process.poll() is None:
                part.process.terminate()
        for part in reversed(started):
            part.stop()
        link.stop()
        next(databases, None)


def _feed_items(xml: bytes) -> dict[str, str]:
    """Title -> enclosure URL of each item of a feed."""
    root = etree.fromstring(xml)
    return {item.findtext("title"): item.find("enclosure").get("url") for item in root.iter("item")}


def test_an_upload_on_server_a_is_in_server_b_feed_and_plays_with_ranges_through_b(cluster):
    show_id = make_show(cluster.a, "Two Machines", "two-machines")
    browser = HttpSession(cluster.a.port)
    browser.login()
    audio = (DATA / "cbr.mp3").read_bytes()
    status, _ = browser.post_form(f"/admin/shows/{show_id}/episodes/new",
                                  episode_data(title="Heard on B", slug="heard-on-b"),
                                  {"audio": ("heard.mp3", audio, "audio/mpeg")})
    assert status == 302

    def sent():
        episode = cluster.episode("heard-on-b")
        # Never public while its audio is only in A's media folder.
        assert episode.status == "draft" or episode.audio.stored_in == "s3", (episode.status, episode.audio.stored_in)
        return episode.status == "published" and episode
    episode = _until(sent, "A's consumer sent the audio and published the episode")
    assert episode.audio.stored_in == "s3"
    assert files_under(cluster.a.media_root / "audio") == []  # the staged copy went once verified
    assert files_under(cluster.b.media_root) == []  # B never had the file

    reader = HttpSession(cluster.b.port)

    def in_b_feed():
        status, text = reader.request("GET", "/podcasts/two-machines/feed.xml")
        return status == 200 and "Heard on B" in text and text
    url = _feed_items(in_b_feed().encode())["Heard on B"]
    status, _ = reader.request("GET", urllib.parse.urlsplit(url).path)
    assert status == 302
    bucket_url = reader.headers["Location"]
    assert bucket_url.startswith(cluster.bucket.settings.endpoint_url)
    ranged = urllib.request.Request(bucket_url, headers={"Range": "bytes=100-1099"})
    with urllib.request.urlopen(ranged, timeout=30) as answer:
        assert answer.status == 206
        assert answer.headers["Content-Range"] == f"bytes 100-1099/{episode.audio.size}"
        assert len(answer.read()) == 1000


def _add_episode(env: dict, show: str, audio: Path, title: str, slug: str, *options: str):
    return subprocess.run([sys.executable, "-m", "podcaster", "add-episode", show, str(audio), "--title", title,
                           "--slug", slug, *options], env=env, capture_output=True, text=True, timeout=120)


def test_a_scheduled_episode_appears_at_its_time_with_no_request(cluster):
    make_show(cluster.a, "On Time", "on-time")
    added = _add_episode(cluster.worker.env, "on-time", DATA / "cbr.mp3", "Right on time", "right-on-time")
    assert added.returncode == 0, added.stderr
    _until(lambda: cluster.episode("right-on-time").audio.stored_in == "s3", "the worker sent the draft's audio")
    # The author's edit, as the episode form saves it: published, at a time a few seconds away.
    when = datetime.fromisoformat(cluster.worker.python(
        "from datetime import timedelta\n"
        "from podcaster import create_app\nfrom podcaster.extensions import db\n"
        "from podcaster.models import Episode, utcnow\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    episode = db.session.execute(db.select(Episode).filter_by(slug='right-on-time')).scalar_one()\n"
        "    episode.status, episode.publish_at = 'published', utcnow().replace(microsecond=0) + timedelta(seconds=8)\n"
        "    db.session.commit(); print(episode.publish_at.isoformat())\n"))
    feed = cluster.worker.folder / "feeds" / "podcasts" / "on-time" / "feed.xml"

    def published() -> bool:
        text = feed.read_text() if feed.is_file() else ""
        if datetime.now(timezone.utc).replace(tzinfo=None) < when:  # read before its time: not in it yet
            assert "Right on time" not in text
        return "Right on time" in text
    # No request to any app server meanwhile: the refresh the worker scheduled for that time writes the file.
    _until(published, "the scheduled episode in the worker's feed file", every=0.2)
    # The job writes the file, then commits its record: the record may still say "running" for a moment.
    states = _until(lambda: [record.state for record in cluster.records(f"refresh-feeds@{when.isoformat()}")
                             if record.state == "done"], "the scheduled refresh's record done")
    assert states == ["done"]


def test_the_worker_killed_mid_transfer_leaves_nothing_half_done_and_the_job_completes_once(cluster, tmp_path):
    make_show(cluster.a, "Killed Midway", "killed-midway")
    audio = repeated_mp3(tmp_path / "long.mp3", copies=70)  # about 13 MiB: three parts
    cluster.link.uploaded = 0
    cluster.link.rate = 512 * 1024  # each connection to the bucket: half a MiB a second
    try:
        added = _add_episode(cluster.worker.env, "killed-midway", audio, "Sent twice", "sent-twice", "--publish")
        assert added.returncode == 0, added.stderr
        episode = cluster.episode("sent-twice")
        key = episode.audio.path
        _until(lambda: cluster.bucket.unfinished_uploads(key) and cluster.link.uploaded > 1024 * 1024,
               "the worker's multipart upload under way")
        cluster.worker.kill()
    finally:
        cluster.link.rate = None

    assert cluster.bucket.head(key) is None  # no object: a multipart upload is nothing until completed
    episode = cluster.episode("sent-twice")
    assert (episode.status, episode.audio.stored_in) == ("draft", "local")
    local = cluster.worker.folder / "media" / key
    assert local.stat().st_size == episode.audio.size
    [record] = cluster.records(f"transfer:{episode.audio_id}")
    assert record.state == "running"

    cluster.worker.start("--requeue-interrupted")
    _until(lambda: cluster.records(f"transfer:{episode.audio_id}")[0].state == "done", "the transfer job done")
    [record] = cluster.records(f"transfer:{episode.audio_id}")
    assert record.attempts == 2
    episode = _until(lambda: (found := cluster.episode("sent-twice")).status == "published" and found,
                     "the episode published")
    assert episode.audio.stored_in == "s3"
    found = cluster.bucket.head(key)
    assert (found.size, found.sha256) == (episode.audio.size, episode.audio.sha256)
    assert cluster.bucket.unfinished_uploads(key) == []  # the killed run's parts were aborted
    assert not local.exists()


def test_media_migrate_killed_midway_then_run_again_moves_every_file_once(cluster, tmp_path):
    machine = cluster.machine("m", tmp_path / "m", PODCASTER_MEDIA_BACKEND="local")
    make_show(cluster.a, "Moving House", "moving-house")
    audio = [repeated_mp3(tmp_path / f"part-{number}.mp3", copies=6) for number in (1, 2, 3)]  # 1 MiB each
    # Three `podcaster add-episode` runs in one process (each process start costs seconds).
    assert subprocess.run([sys.executable, "-c",
                           "import sys\nfrom podcaster import create_app\nrunner = create_app().test_cli_runner()\n"
                           "for number, path in enumerate(sys.argv[1:], start=1):\n"
                           "    done = runner.invoke(args=['add-episode', 'moving-house', path, '--title', f'Box {number}',"
                           " '--publish'])\n"
                           "    assert done.exit_code == 0, done.output\n", *map(str, audio)],
                          env=machine, timeout=120).returncode == 0
    with Session(cluster.engine) as session:
        rows = {row.path: (row.size, row.sha256) for row in session.execute(
            sa.select(MediaFile).where(MediaFile.stored_in == "local")).scalars()}
    assert len(rows) == 3
    media = tmp_path / "m" / "media"

    cluster.link.rate = 256 * 1024
    try:
        migrate = subprocess.Popen([sys.executable, "-m", "podcaster", "media", "migrate", "--to", "s3"],
                                   env=machine, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            _until(lambda: "copied and verified" in migrate.stdout.readline(), "the first file migrated")
        finally:
            migrate.kill()
            migrate.wait(timeout=WAIT)
            migrate.stdout.close()
    finally:
        cluster.link.rate = None

    with Session(cluster.engine) as session:
        where = {row.path: row.stored_in for row in session.execute(
            sa.select(MediaFile).where(MediaFile.path.in_(rows))).scalars()}
    assert sorted(where.values()).count("s3") in (1, 2), where  # killed midway
    for path, stored_in in where.items():
        found = cluster.bucket.head(path)
        if stored_in == "s3":  # switched only once verified
            assert (found.size, found.sha256) == rows[path]
        else:  # still whole in the folder
            assert (media / path).stat().st_size == rows[path][0]
            assert found is None or (found.size, found.sha256) == rows[path]

    again = subprocess.run([sys.executable, "-m", "podcaster", "media", "migrate", "--to", "s3"], env=machine,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 failed" in again.stdout
    with Session(cluster.engine) as session:
        assert {row.path: row.stored_in for row in session.execute(
            sa.select(MediaFile).where(MediaFile.path.in_(rows))).scalars()} == dict.fromkeys(rows, "s3")
    for path, (size, sha256) in rows.items():
        found = cluster.bucket.head(path)
        assert (found.size, found.sha256) == (size, sha256)
        assert cluster.bucket.unfinished_uploads(path) == []
        assert not (media / path).exists()
