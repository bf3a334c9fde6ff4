"""The re-tagging job (local folder and S3 bucket), ranges across a re-tag, and ``media migrate`` as a job
queued from the Jobs page, with its progress."""
from __future__ import annotations

import hashlib
import io
import threading
from datetime import timedelta

from mutagen.id3 import ID3
from sqlalchemy import event
from sqlalchemy.orm import Session

from podcaster.content import jobrecords, retagging
from podcaster.content.podcasts import save_chapter_rows
from podcaster.content.storage import MediaStore
from podcaster.content.storage_s3 import remote_store_from_config
from podcaster.extensions import db
from podcaster.jobs import enqueue, run_pending
from podcaster.jobs.tasks import transfer_key
from podcaster.models import Episode, JobRecord, MediaFile, User, utcnow

from ..helpers.authoring import seed_site
from ..helpers.media import stored_bytes
from ..helpers.podcasts import episode_data, only_episode, post_episode, upload
from ..helpers.web import post_form


def job_records(app, name: str) -> list[JobRecord]:
    with app.app_context():
        found = db.session.execute(db.select(JobRecord).filter_by(name=name).order_by(JobRecord.id)).scalars().all()
        db.session.expunge_all()
        return found


def tags_of(app, path: str) -> ID3:
    return ID3(io.BytesIO(stored_bytes(app, path)))

def uploaded_episode(app, client, show, clock, fixture: str):
    """The one episode of ``show``, posted through the form with ``fixture`` as its audio, its jobs run."""
    post_episode(client, show.id, episode_data(audio=upload(fixture)))
    run_pending(app, clock())
    return only_episode(app)


def retitle(app, episode, title: str) -> None:
    """An edit of a tagged field, committed (it queues the episode's re-tag)."""
    with app.app_context():
        db.session.get(Episode, episode.id).title = title
        db.session.commit()



def test_a_new_title_is_written_into_the_mp3_by_a_job_and_a_second_run_changes_nothing(
        app, client, show, clock, media_backend):
    assert post_episode(client, show.id, episode_data(audio=upload("chapters.mp3"))).status_code == 302
    run_pending(app, clock())
    before = only_episode(app)
    chapters_before = [frame.element_id for frame in tags_of(app, before.audio.path).getall("CHAP")]
    assert chapters_before and job_records(app, "retag_audio") == []  # the upload was tagged on its way in

    remote = remote_store_from_config(app.config)

    def object_etag() -> str | None:  # what the bucket (and a CDN) answers If-Range with
        return remote.client.head_object(Bucket=remote.bucket, Key=before.audio.path)["ETag"] if remote else None

    etag_before = object_etag()
    edit = f"/admin/episodes/{before.id}/edit"
    assert post_episode(client, show.id, episode_data(notes="Other notes."), url=edit).status_code == 302
    run_pending(app, clock())
    assert job_records(app, "retag_audio") == []  # the notes are in no tag
    assert post_episode(client, show.id, episode_data(title="Second light"), url=edit).status_code == 302
    assert post_episode(client, show.id, episode_data(title="Third light"), url=edit).status_code == 302
    assert run_pending(app, clock()) >= 1
    (job,) = job_records(app, "retag_audio")  # two edits while it waited: one job, keyed by the episode
    assert job.state == "done" and job.message.endswith("tags rewritten"), job.error

    after = only_episode(app)
    assert after.audio.path == before.audio.path and after.audio_id == before.audio_id  # same /media/ URL
    assert after.audio.stored_in == before.audio.stored_in == ("s3" if media_backend == "s3" else "local")
    data = stored_bytes(app, after.audio.path)
    assert (len(data), after.audio.sha256) != (before.audio.size, before.audio.sha256)
    assert len(data) == after.audio.size
    tags = tags_of(app, after.audio.path)
    assert tags["TIT2"].text == ["Third light"] and tags["TALB"].text == [show.title]
    assert [frame.element_id for frame in tags.getall("CHAP")] == chapters_before  # chapter marks kept
    if remote is not None:
        assert object_etag() != etag_before
        with client.get(f"/media/{after.audio.path}") as answer:  # the same URL leads to the new object
            assert answer.status_code == 302 and f"/{after.audio.path}?" in answer.headers["Location"]
        assert remote.head(f"{after.audio.path}.replacing-{after.audio.sha256[:16]}") is None  # no leftover

    with app.app_context():  # run twice, one result
        enqueue("retag_audio", label="again", episode_id=after.id)
    run_pending(app, clock())
    again = job_records(app, "retag_audio")[-1]
    assert again.state == "done" and again.message.endswith("already these")
    assert stored_bytes(app, after.audio.path) == data and only_episode(app).audio.sha256 == after.audio.sha256


def test_a_show_title_retags_every_episode_with_progress(app, client, show, clock):
    for number, title in ((1, "One"), (2, "Two")):
        post_episode(client, show.id, episode_data(title=title, number=str(number), audio=upload("cbr.mp3")))
    run_pending(app, clock())
    with app.app_context():
        db.session.get(type(show), show.id).title = "Louder Page"
        db.session.commit()
    run_pending(app, clock())
    (job,) = job_records(app, "retag_audio")
    assert (job.state, job.progress_done, job.progress_total) == ("done", 2, 2)
    assert job.message == "2 of 2 audio files re-tagged"
    with app.app_context():
        paths = db.session.execute(db.select(MediaFile.path).filter_by(kind="audio")).scalars().all()
    assert {tags_of(app, path)["TALB"].text[0] for path in paths} == {"Louder Page"}


def test_a_download_resumed_across_a_retag_gets_the_whole_new_file(app, client, show, clock):
    episode = uploaded_episode(app, client, show, clock, "cbr.mp3")
    url = f"/media/{episode.audio.path}"
    with client.get(url, headers={"Range": "bytes=0-99"}) as first:
        assert first.status_code == 206
        old_etag, old_date = first.headers["ETag"], first.headers["Last-Modified"]

    post_episode(client, show.id, episode_data(title="Renamed"), url=f"/admin/episodes/{episode.id}/edit")
    run_pending(app, clock())
    new = stored_bytes(app, episode.audio.path)
    for validator in (old_etag, old_date):  # the old version is gone: the whole new file, never a mix
        with client.get(url, headers={"Range": "bytes=100-", "If-Range": validator}) as resumed:
            assert resumed.status_code == 200 and resumed.data == new
    with client.get(url, headers={"Range": "bytes=100-", "If-Range": resumed.headers["ETag"]}) as current:
        assert current.status_code == 206 and current.data == new[100:]
        assert current.headers["ETag"] != old_etag


def owner_and_editor(app) -> None:
    with app.app_context():
        editor = User(email="editor@example.com", role="editor")
        editor.set_password("editor-password-1")
        db.session.add(editor)
        db.session.commit()


def test_the_migrate_button_queues_a_job_whose_progress_counts_the_files(app, client, auth, clock, s3_settings):
    seed_site(app)
    owner_and_editor(app)
    auth.login()
    assert "Storage" not in client.get("/admin/jobs").get_data(as_text=True)  # no bucket yet
    response = post_form(client, "/admin/jobs/migrate/s3", {}, form_url="/admin/jobs")
    assert response.status_code == 409 and job_records(app, "migrate_media") == []
    assert post_form(client, "/admin/jobs/migrate/elsewhere", {}, form_url="/admin/jobs").status_code == 404
    auth.logout()

    app.config.update(s3_settings)
    with app.app_context():
        total = db.session.execute(db.select(db.func.count()).select_from(MediaFile)).scalar_one()

    auth.login("editor@example.com", "editor-password-1")
    assert "Storage" not in client.get("/admin/jobs").get_data(as_text=True)
    assert post_form(client, "/admin/jobs/migrate/s3", {}, form_url="/admin/jobs").status_code == 403
    auth.logout()

    auth.login()
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert f"{total} media files in the local folder, 0 in the S3 bucket" in page
    assert client.post("/admin/jobs/migrate/s3").status_code == 400  # no CSRF token
    assert post_form(client, "/admin/jobs/migrate/s3", {}, form_url="/admin/jobs").status_code == 302
    assert post_form(client, "/admin/jobs/migrate/s3", {}, form_url="/admin/jobs").status_code == 409  # waiting
    assert job_records(app, "migrate_media")[0].progress_total == 0
    run_pending(app, clock())

    (job,) = job_records(app, "migrate_media")
    assert job.state == "done", job.error
    assert (job.progress_done, job.progress_total) == (total, total)
    assert job.message == (f"{total} moved, 0 already there, 0 failed; "
                           "set PODCASTER_MEDIA_BACKEND=s3 so new uploads go there too")
    with app.app_context():
        assert set(db.session.execute(db.select(MediaFile.stored_in)).scalars()) == {"s3"}
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert f'max="{total}" value="{total}"' in page and f"0 media files in the local folder, {total} in" in page

    assert post_form(client, "/admin/jobs/migrate/s3", {}, form_url="/admin/jobs").status_code == 302  # again
    run_pending(app, clock())
    assert job_records(app, "migrate_media")[-1].message.startswith(f"0 moved, {total} already there, 0 failed")


def test_a_damaged_mp3_fails_the_job_at_once_and_keeps_the_file(app, client, show, clock):
    damaged = b"ID3\x09\x00\x00\x00\x00\x00"  # a tag of an ID3 version that does not exist
    episode = uploaded_episode(app, client, show, clock, "cbr.mp3")
    path = app.config["MEDIA_ROOT"] + "/" + episode.audio.path
    with open(path, "r+b") as handle:
        handle.write(damaged)
    kept = stored_bytes(app, episode.audio.path)
    post_episode(client, show.id, episode_data(title="Renamed"), url=f"/admin/episodes/{episode.id}/edit")
    run_pending(app, clock())
    (job,) = job_records(app, "retag_audio")
    assert job.state == "failed" and job.attempts == 1 and "CorruptAudio" in job.error
    assert stored_bytes(app, episode.audio.path) == kept and only_episode(app).audio.sha256 == episode.audio.sha256


class PausingStore(MediaStore):
    """A media store whose first staged copy waits, so a second re-tag runs while the first is mid-way."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.staged, self.resume = threading.Event(), threading.Event()

    def stage_stream(self, *arguments, **options):
        staged = super().stage_stream(*arguments, **options)
        if not self.staged.is_set():
            self.staged.set()
            assert self.resume.wait(timeout=60)
        return staged


def retag_in_thread(app, store: MediaStore, episode_id: int, outcome: dict) -> threading.Thread:
    def run() -> None:
        with app.app_context(), Session(db.engine) as session:
            try:
                outcome["message"] = retagging.retag_episode(session, store, episode_id)
            except Exception as exc:  # noqa: BLE001 - reported to the test below
                outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_two_overlapping_retags_leave_the_latest_title_and_a_row_that_matches_the_file(app, client, show, clock):
    episode = uploaded_episode(app, client, show, clock, "cbr.mp3")
    retitle(app, episode, "First edit")
    slow, first, second = PausingStore(app.config["MEDIA_ROOT"]), {}, {}
    earlier = retag_in_thread(app, slow, episode.id, first)  # tags a copy with "First edit", then waits
    assert slow.staged.wait(timeout=60)
    with app.app_context():  # an edit during that run, whose own run finishes first
        db.session.get(Episode, episode.id).title = "Second edit"
        db.session.commit()
    later = retag_in_thread(app, MediaStore(app.config["MEDIA_ROOT"]), episode.id, second)
    later.join(timeout=60)
    assert second == {"message": f"{episode.audio.path}: tags rewritten"}
    slow.resume.set()  # the earlier run, with older tags, would now swap its copy in last
    earlier.join(timeout=60)
    assert not earlier.is_alive() and "error" not in first, first

    data = stored_bytes(app, episode.audio.path)
    row = only_episode(app).audio
    assert tags_of(app, episode.audio.path)["TIT2"].text == ["Second edit"]
    assert (row.size, row.sha256) == (len(data), hashlib.sha256(data).hexdigest())


class SwapPausingStore(MediaStore):
    """A media store whose first swap of a re-tagged copy waits: the re-tag holds its row lock meanwhile."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.swapping, self.resume = threading.Event(), threading.Event()

    def replace_with_temp(self, *arguments, **options):
        self.swapping.set()
        assert self.resume.wait(timeout=60)
        return super().replace_with_temp(*arguments, **options)


def test_a_chapter_save_during_a_retag_waits_for_its_swap_and_keeps_both_the_tags_and_the_chapters(
        app, client, show, clock):
    episode = uploaded_episode(app, client, show, clock, "chapters.mp3")
    retitle(app, episode, "Retagged title")
    slow, retag = SwapPausingStore(app.config["MEDIA_ROOT"]), {}
    retag_thread = retag_in_thread(app, slow, episode.id, retag)  # stops with the row locked, before the swap
    assert slow.swapping.wait(timeout=60)

    # The chapter save goes as far as it can: it either waits for the re-tag's lock, or (without the lock)
    # copies the file as it was before the swap. Either way it says so, and the re-tag then goes on.
    reached, saved = threading.Event(), {}

    class ReadingStore(MediaStore):
        def open(self, *arguments, **options):
            reached.set()
            return super().open(*arguments, **options)

    def note_lock(conn, cursor, statement, *_arguments):
        if threading.current_thread() is editor and (
                "FOR UPDATE" in statement or statement.startswith("UPDATE media_file SET id")):
            reached.set()

    def save() -> None:
        with app.app_context(), Session(db.engine) as session:
            try:
                saved["tagged"] = save_chapter_rows(session, ReadingStore(app.config["MEDIA_ROOT"]),
                                                    session.get(Episode, episode.id),
                                                    [{"start": "0:00", "title": "Opening", "url": "", "img": ""},
                                                     {"start": "0:05", "title": "Later", "url": "", "img": ""}])
            except Exception as exc:  # noqa: BLE001 - reported to the test below
                saved["error"] = exc

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note_lock)
    try:
        editor = threading.Thread(target=save, daemon=True)
        editor.start()
        assert reached.wait(timeout=60)
        slow.resume.set()
        retag_thread.join(timeout=60)
        editor.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", note_lock)
    assert not retag_thread.is_alive() and not editor.is_alive()
    assert retag == {"message": f"{episode.audio.path}: tags rewritten"}
    assert saved == {"tagged": True}

    after = only_episode(app)
    tags = tags_of(app, after.audio.path)
    assert tags["TIT2"].text == ["Retagged title"]  # the re-tag's swap was not undone by the chapter save
    marks = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    assert [(mark.start_time, str(mark.sub_frames["TIT2"])) for mark in marks] == [(0, "Opening"), (5000, "Later")]
    data = stored_bytes(app, after.audio.path)
    assert (after.audio.size, after.audio.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_a_retag_waits_for_the_files_transfer_to_the_bucket(app, client, show, clock):
    episode = uploaded_episode(app, client, show, clock, "cbr.mp3")
    kept = stored_bytes(app, episode.audio.path)
    with app.app_context():  # its transfer job is waiting (the queue of another process)
        jobrecords.queued(db.session, "transfer-task", "transfer_media", clock(), key=transfer_key(episode.audio_id))
    post_episode(client, show.id, episode_data(title="Renamed"), url=f"/admin/episodes/{episode.id}/edit")
    run_pending(app, clock())
    (job,) = job_records(app, "retag_audio")
    assert job.state == "retrying" and "TransferPending" in job.error
    assert stored_bytes(app, episode.audio.path) == kept and only_episode(app).audio.sha256 == episode.audio.sha256

    with app.app_context():
        jobrecords.finished(db.session, "transfer-task", clock())
    assert run_pending(app, utcnow() + timedelta(minutes=1)) >= 1  # the retry, once the transfer is done
    (job,) = job_records(app, "retag_audio")
    assert job.state == "done" and job.message.endswith("tags rewritten"), job.error
    assert tags_of(app, episode.audio.path)["TIT2"].text == ["Renamed"]


def test_a_rolled_back_savepoint_keeps_the_transactions_retag_requests(app, show):
    """An edit flushed before a savepoint still asks for its re-tag after the savepoint rolls back; a whole
    rollback forgets it."""
    from sqlalchemy.orm import Session

    from podcaster.content.retagging import RETAG_INFO_KEY
    from podcaster.models import Show

    with app.app_context(), Session(db.engine) as session:
        edited = session.get(Show, show.id)
        edited.title = "Renamed before the savepoint"
        session.flush()
        savepoint = session.begin_nested()
        edited.author_name = "Changed inside it"
        session.flush()
        savepoint.rollback()
        assert session.info[RETAG_INFO_KEY].show_ids == {show.id}
        session.rollback()
        assert RETAG_INFO_KEY not in session.info
