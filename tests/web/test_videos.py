"""Admin CRUD for the video list and the privacy-friendly public video page."""
from __future__ import annotations

from podcaster.extensions import db
from podcaster.models import Video

from ..helpers.authoring import VIDEO_ID, video_data
from ..helpers.rows import count
from ..helpers.web import page_text, post_form

NEW = "/admin/videos/new"


def test_add_video_normalises_link_and_public_page_has_no_iframe(app, client, auth):
    auth.login()
    response = post_form(client, NEW, video_data())
    assert response.status_code == 302
    with app.app_context():
        video = db.session.execute(db.select(Video)).scalar_one()
        assert video.youtube_id == VIDEO_ID
        video_id = video.id
    assert VIDEO_ID in page_text(client.get("/admin/videos/"))
    edit_page = page_text(client.get(f"/admin/videos/{video_id}/edit"))
    assert f"https://www.youtube.com/watch?v={VIDEO_ID}" in edit_page

    response = client.get("/videos")
    page = page_text(response)
    assert response.status_code == 200
    assert f"https://i.ytimg.com/vi/{VIDEO_ID}/hqdefault.jpg" in page
    assert f'href="https://www.youtube.com/watch?v={VIDEO_ID}"' in page
    assert "<iframe" not in page and "<script>" not in page
    assert f'data-embed="https://www.youtube-nocookie.com/embed/{VIDEO_ID}"' in page
    assert "/static/js/videos.js" in page
    script = client.get("/static/js/videos.js")
    assert script.status_code == 200 and b"dataset.embed" in script.data  # the iframe is made only on click
    script.close()
    assert "Reading the first chapter" in page_text(client.get("/"))


def test_bad_and_duplicate_links_are_refused(app, client, auth):
    auth.login()
    response = post_form(client, NEW, video_data(url="https://vimeo.com/1234"))
    assert response.status_code == 400 and "is not YouTube" in page_text(response)
    assert 'value="https://vimeo.com/1234"' in page_text(response)
    response = post_form(client, NEW, video_data(url=""))
    assert response.status_code == 400 and "Paste the link" in page_text(response)

    assert post_form(client, NEW, video_data()).status_code == 302
    response = post_form(client, NEW, video_data(url=f"https://www.youtube.com/shorts/{VIDEO_ID}", title="Again"))
    assert response.status_code == 400 and "already in the list" in page_text(response)
    assert count(app, Video) == 1


def test_edit_and_delete_video(app, client, auth):
    auth.login()
    post_form(client, NEW, video_data())
    with app.app_context():
        video_id = db.session.execute(db.select(Video.id)).scalar_one()
    edit = f"/admin/videos/{video_id}/edit"
    # Saving the same video under another link form is not a duplicate of itself.
    response = post_form(client, edit, video_data(url=f"https://www.youtube.com/embed/{VIDEO_ID}", title="Renamed"))
    assert response.status_code == 302
    assert "Renamed" in page_text(client.get("/videos"))
    assert client.post(f"/admin/videos/{video_id}/delete").status_code == 400
    response = post_form(client, f"/admin/videos/{video_id}/delete", {}, form_url="/admin/videos/")
    assert response.status_code == 302 and count(app, Video) == 0
    assert client.get("/videos?page=2").status_code == 404
