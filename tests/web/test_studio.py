"""The studio's forms: the site's time zone, held uploads, row editors, the guided new show, previews."""
from __future__ import annotations

import os
import re
import time
from datetime import datetime
from pathlib import Path

import pytest

from podcaster.content import integrity
from podcaster.content.storage import HELD_SECONDS, MediaStore
from podcaster.extensions import db
from podcaster.models import MediaFile, Post, Show

from ..helpers.authoring import post_data
from ..helpers.images import image_upload
from ..helpers.media import held_files, media_files
from ..helpers.podcasts import artwork_upload, episode_data, only_episode, post_episode, show_data, upload
from ..helpers.web import page_text, post_form


def media_store_for(app) -> MediaStore:
    return MediaStore(app.config["MEDIA_ROOT"])

NEW_POST = "/admin/posts/new"


def test_times_are_entered_and_shown_in_the_site_time_zone_and_stored_in_utc(app, client, auth):
    app.config["SITE_TIME_ZONE"] = "Europe/Paris"
    auth.login()
    response = post_form(client, NEW_POST, post_data(status="scheduled", publish_at="2030-07-01T10:00"))
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        post = db.session.execute(db.select(Post)).scalar_one()
        assert post.publish_at == datetime(2030, 7, 1, 8, 0), "10:00 in Paris in summer is 08:00 UTC"
        post_id = post.id
    form = page_text(client.get(f"/admin/posts/{post_id}/edit"))
    assert 'value="2030-07-01T10:00"' in form and "Europe/Paris" in form
    assert "2030-07-01 10:00 CEST" in page_text(client.get("/admin/posts/"))

    # In winter the same wall-clock time is an hour later in UTC.
    response = post_form(client, f"/admin/posts/{post_id}/edit",
                         post_data(status="scheduled", publish_at="2030-01-15T10:00"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Post, post_id).publish_at == datetime(2030, 1, 15, 9, 0)


def test_public_dates_are_the_day_in_the_site_time_zone(app, client, auth):
    app.config["SITE_TIME_ZONE"] = "Pacific/Auckland"
    auth.login()
    # 20:00 UTC on 28 November is already the 29th in Auckland (UTC+13 in summer).
    response = post_form(client, NEW_POST, post_data(status="published", publish_at="2026-11-29T09:00"))
    assert response.status_code == 302, page_text(response)
    blog = page_text(client.get("/blog"))
    assert '<time datetime="2026-11-28T20:00:00Z">29 November 2026</time>' in blog


def test_a_time_the_clocks_skip_is_refused_and_nothing_is_saved(app, client, auth):
    app.config["SITE_TIME_ZONE"] = "Europe/Paris"
    auth.login()
    response = post_form(client, NEW_POST, post_data(status="scheduled", publish_at="2030-03-31T02:30"))
    assert response.status_code == 400
    assert "2030-03-31 02:30 does not exist in Europe/Paris" in page_text(response)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Post.id))).scalar() == 0


# --- held uploads ---------------------------------------------------------------------------------------------


def _held_token(html: str, field: str) -> str:
    match = re.search(rf'id="{field}_held" name="{field}_held" type="hidden" value="([^"]*)"', html)
    assert match, f"no {field}_held input"
    return match.group(1)


def test_audio_and_artwork_survive_a_refused_submit_and_are_used_by_the_next(app, client, show):
    refused = post_episode(client, show.id, episode_data(title="", audio=upload("cbr.mp3", "audio.mp3"),
                                                         artwork=image_upload("square.jpg", 1400, 1400)))
    assert refused.status_code == 400
    html = page_text(refused)
    assert "<strong>audio.mp3</strong> is kept" in html and "<strong>square.jpg</strong> is kept" in html
    assert len(held_files(app)) == 2 and media_files(app) == []

    # No file chosen this time: the held ones are used, and released once saved.
    saved = post_episode(client, show.id, episode_data(audio_held=_held_token(html, "audio"),
                                                       artwork_held=_held_token(html, "artwork")))
    assert saved.status_code == 302, page_text(saved)
    episode = only_episode(app)
    assert episode.audio.mime_type == "audio/mpeg" and episode.duration > 0
    assert episode.audio.path.endswith("/first-light.mp3") and episode.artwork is not None
    assert held_files(app) == []


def test_a_new_file_replaces_the_held_one_and_a_refused_file_is_not_kept(app, client, show):
    first = page_text(post_episode(client, show.id, episode_data(title="", audio=upload("cbr.mp3", "one.mp3"))))
    token = _held_token(first, "audio")
    second = post_episode(client, show.id, episode_data(audio_held=token, audio=upload("tone.wav", "two.mp3")))
    assert second.status_code == 415 and "is kept" not in page_text(second)
    assert held_files(app) == [], "the replaced file and the refused one are both gone"


def test_tampered_or_expired_tokens_open_nothing(app, client, show):
    html = page_text(post_episode(client, show.id, episode_data(title="", audio=upload("cbr.mp3"))))
    token = _held_token(html, "audio")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x", _held_token(html, "artwork") or "y"):
        response = post_episode(client, show.id, episode_data(audio_held=bad))
        assert response.status_code == 400 and "Choose the episode" in page_text(response)
    # A token for the audio field does not open a file for the artwork field.
    response = post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"), artwork_held=token))
    assert response.status_code == 302
    assert only_episode(app).artwork is None


def test_held_files_expire_after_an_hour_and_the_doctor_removes_them(app, client, show):
    post_episode(client, show.id, episode_data(title="", audio=upload("cbr.mp3")))
    [held] = held_files(app)
    path = Path(app.config["MEDIA_ROOT"], held)
    with app.app_context():
        report = integrity.check(db.session, media_store_for(app), verify_checksums=False)
        assert not [finding for finding in report.findings if finding.path == held], "fresh: not stale"
        hour_ago = time.time() - HELD_SECONDS - 5
        os.utime(path, (hour_ago, hour_ago))
        report = integrity.check(db.session, media_store_for(app), verify_checksums=False, fix=True)
        assert [finding.kind for finding in report.findings if finding.path == held] == ["stale-upload"]
    assert not path.exists()


def test_show_artwork_is_held_when_the_rest_of_the_form_is_refused(app, client, auth):
    auth.login()
    refused = post_form(client, "/admin/shows/new", show_data(title="", artwork=artwork_upload("art.jpg")))
    assert refused.status_code == 400 and "<strong>art.jpg</strong> is kept" in page_text(refused)
    saved = post_form(client, "/admin/shows/new",
                      show_data(artwork_held=_held_token(page_text(refused), "artwork")))
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(Show)).scalar_one().artwork.width == 1400
    assert held_files(app) == []


# --- the guided new show --------------------------------------------------------------------------------------


def test_new_show_shows_the_directories_checklist(app, client, auth):
    auth.login()
    html = page_text(client.get("/admin/shows/new"))
    assert "What Apple Podcasts and Spotify need" in html
    todo = '<li class="missing"><span class="check-state">To do:</span> '
    assert html.count(todo) == 3, "an empty form lacks artwork, a description and an owner email"
    for need in ("Square artwork", "A description", "An owner email"):
        assert todo + need in html


@pytest.mark.parametrize("overrides, field_message", [
    ({}, "Choose the show’s artwork"),
    ({"artwork": "yes", "owner_email": ""}, "Enter the owner’s email"),
])
def test_a_show_apple_would_refuse_is_not_created(app, client, auth, overrides, field_message):
    auth.login()
    data = show_data(**overrides)
    if data.get("artwork") == "yes":
        data["artwork"] = artwork_upload()
    response = post_form(client, "/admin/shows/new", data)
    assert response.status_code == 422
    assert field_message in page_text(response)
    with app.app_context():
        assert db.session.execute(db.select(Show)).first() is None
        assert db.session.execute(db.select(MediaFile)).first() is None


def test_an_existing_show_can_still_be_edited_without_artwork(app, client, show):
    response = post_form(client, f"/admin/shows/{show.id}/edit", show_data(owner_email=""))
    assert response.status_code == 302
