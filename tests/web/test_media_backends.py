"""Uploaded media on either backend: stored, verified, in the feed at the same /media/ URL, played with ranges.

With the S3 backend (against the real Swift test server) /media/... answers a redirect: to the CDN for a
published file, to a short-lived presigned URL for one only the author may hear yet.
"""
from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, urlsplit

from podcaster.content.storage_s3 import remote_store_from_config
from podcaster.extensions import db
from podcaster.models import Episode

from ..helpers.media import media_files, stored_bytes
from ..helpers.podcasts import episode_data, only_episode, post_episode, upload
from ..helpers.web import page_text, post_form


def fetch(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as answer:
        return answer.status, answer.read()


def test_uploaded_episode_is_stored_and_plays_with_ranges(app, client, auth, show, media_backend):
    response = post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")))
    assert response.status_code == 302, page_text(response)
    episode = only_episode(app)
    audio = episode.audio
    assert episode.status == "published" and audio.stored_in == media_backend
    data = stored_bytes(app, audio.path)
    assert len(data) == audio.size
    if media_backend == "s3":
        assert media_files(app) == []  # verified in the bucket, so the staging copy is gone
        found = remote_store_from_config(app.config).head(audio.path)
        assert (found.size, found.sha256) == (audio.size, audio.sha256)
    else:
        assert media_files(app) == [audio.path]
    auth.logout()
    url = f"/media/{audio.path}"
    assert f"http://podcaster.test{url}".encode() in client.get(f"/podcasts/{show.slug}/feed.xml").data
    answer = client.get(url, headers={"Range": "bytes=100-199"}, buffered=True)
    if media_backend == "s3":
        assert answer.status_code == 302
        assert answer.headers["Cache-Control"] == "private, no-store"  # presigned: it expires
        status, body = fetch(answer.headers["Location"], {"Range": "bytes=100-199"})
    else:
        status, body = answer.status_code, answer.data
    assert status == 206 and body == data[100:200]


def test_published_media_in_s3_redirects_to_the_cdn(app, client, auth, show, s3_settings):
    app.config.update(MEDIA_BACKEND="s3", S3_PUBLIC_BASE_URL="https://cdn.example/pod/", **s3_settings)
    assert post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"))).status_code == 302
    path = only_episode(app).audio.path
    auth.logout()
    answer = client.get(f"/media/{path}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"https://cdn.example/pod/{path}"
    assert answer.headers["Cache-Control"].startswith("public")


def test_unpublished_media_in_s3_only_through_presigned_urls(app, client, auth, show, s3_settings):
    app.config.update(MEDIA_BACKEND="s3", S3_PUBLIC_BASE_URL="https://cdn.example/pod", S3_PRESIGNED_SECONDS=120,
                      **s3_settings)
    response = post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"), status="draft"))
    assert response.status_code == 302
    audio = only_episode(app).audio
    preview = client.get(f"/media/{audio.path}")  # the author, logged in
    assert preview.status_code == 302 and preview.headers["Cache-Control"] == "private, no-store"
    signed = preview.headers["Location"]
    assert not signed.startswith("https://cdn.example")
    assert parse_qs(urlsplit(signed).query)["X-Amz-Expires"] == ["120"]
    assert fetch(signed) == (200, stored_bytes(app, audio.path))
    auth.logout()
    assert client.get(f"/media/{audio.path}").status_code == 404


def test_failed_transfer_keeps_the_file_and_a_draft_until_a_retry(app, client, show, s3_settings):
    app.config.update(MEDIA_BACKEND="s3", **{**s3_settings, "S3_BUCKET": s3_settings["S3_BUCKET"] + "-later"})
    response = post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")))
    assert response.status_code == 302
    episode = only_episode(app)
    assert episode.status == "draft" and episode.audio.stored_in == "local"
    assert media_files(app) == [episode.audio.path]  # kept, for the retry
    edit_url = f"/admin/episodes/{episode.id}/edit"
    assert "stays a draft" in page_text(client.get(edit_url))

    store = remote_store_from_config(app.config)
    store.ensure_bucket()  # the storage is back
    published = post_form(client, f"/admin/episodes/{episode.id}/publish", {}, form_url=edit_url)
    assert published.status_code == 302
    with app.app_context():
        again = db.session.get(Episode, episode.id)
        assert again.status == "published" and again.audio.stored_in == "s3"
    assert media_files(app) == []
    assert store.head(episode.audio.path).sha256 == episode.audio.sha256


def test_feed_doctor_finds_no_missing_files_for_media_in_the_bucket(app, client, show, media_backend):
    from podcaster.models import Show
    from podcaster.web.feeds import check_show

    assert post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"))).status_code == 302
    with app.test_request_context():
        report = check_show(db.session.get(Show, show.id))
    assert [finding.rule for finding in report.errors if finding.rule.startswith("local.")] == []


def test_a_queued_transfer_holds_the_episode_retries_then_publishes_it(app, client, show, s3_settings, tmp_path):
    from datetime import timedelta

    from podcaster import jobs
    from podcaster.jobs import run_pending
    from podcaster.models import JobRecord, utcnow

    app.config.update(MEDIA_BACKEND="s3", QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite'}", **s3_settings)
    jobs.init_app(app)
    response = post_episode(client, show.id, episode_data(audio=upload("cbr.mp3")))
    assert response.status_code == 302
    episode = only_episode(app)
    assert episode.status == "draft" and episode.audio.stored_in == "local"  # never public before the bucket
    assert "a background job is sending it" in page_text(client.get(f"/admin/episodes/{episode.id}/edit"))

    bucket = s3_settings["S3_BUCKET"]
    app.config["S3_BUCKET"] = bucket + "-away"  # the bucket cannot be reached for the first attempt
    run_pending(app)
    app.config["S3_BUCKET"] = bucket
    assert only_episode(app).status == "draft" and media_files(app) == [episode.audio.path]
    assert run_pending(app) == 0  # the retry waits for its delay
    assert run_pending(app, utcnow() + timedelta(minutes=5)) >= 1
    with app.app_context():
        record = db.session.execute(db.select(JobRecord).filter_by(name="transfer_media")).scalar_one()
        assert (record.state, record.attempts, record.key) == ("done", 2, f"transfer:{episode.audio.id}")
        again = db.session.get(Episode, episode.id)
        assert (again.status, again.publish_at, again.audio.stored_in) == ("published", episode.publish_at, "s3")
    assert media_files(app) == []
    assert remote_store_from_config(app.config).head(episode.audio.path).sha256 == episode.audio.sha256
