"""The author's path after an upload: what was detected, a preview player, one-click publishing."""
from __future__ import annotations

from podcaster.extensions import db
from podcaster.models import Episode

from ..helpers.podcasts import episode_data, only_episode, post_episode, upload
from ..helpers.web import post_form


def test_upload_lands_on_the_episode_with_what_was_detected(app, client, show):
    response = post_episode(client, show.id, episode_data(audio=upload("chapters.mp3"), status="draft"))
    assert response.status_code == 302
    episode = only_episode(app)
    assert response.headers["Location"] == f"/admin/episodes/{episode.id}/edit"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"MP3, {episode.duration // 60:.0f}:{round(episode.duration) % 60:02d}" in page
    assert f"{len(episode.chapters)} chapters found" in page and len(episode.chapters) >= 2
    assert f'src="/media/{episode.audio.path}"' in page  # the preview player
    assert "Publish now" in page and "Draft" in page


def test_publish_now_makes_a_draft_public(app, client, show):
    post_episode(client, show.id, episode_data(audio=upload("cbr.mp3"), status="draft"))
    episode = only_episode(app)
    page_url = f"/podcasts/{show.slug}/{episode.slug}"
    assert client.get(page_url).status_code == 404
    edit_url = f"/admin/episodes/{episode.id}/edit"
    published = post_form(client, f"/admin/episodes/{episode.id}/publish", {}, form_url=edit_url)
    assert published.status_code == 302
    assert client.get(page_url).status_code == 200
    with app.app_context():
        assert db.session.get(Episode, episode.id).status == "published"
    assert "Publish now" not in client.get(edit_url).get_data(as_text=True)


def test_upload_form_offers_progress_and_the_size_limit(app, client, show):
    page = client.get(f"/admin/shows/{show.id}/episodes/new").get_data(as_text=True)
    assert 'data-upload="progress"' in page and "js/upload.js" in page
    assert f'data-max-bytes="{app.config["MAX_UPLOAD_BYTES"]}"' in page
    assert 'accept="audio/mpeg,audio/mp4' in page
