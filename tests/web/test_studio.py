"""The studio's forms: the site's time zone, held uploads, row editors, the guided new show, previews."""
from __future__ import annotations

from datetime import datetime

from podcaster.extensions import db
from podcaster.models import Post

from ..helpers.authoring import post_data
from ..helpers.web import page_text, post_form

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


def test_a_time_the_clocks_skip_is_refused_and_nothing_is_saved(app, client, auth):
    app.config["SITE_TIME_ZONE"] = "Europe/Paris"
    auth.login()
    response = post_form(client, NEW_POST, post_data(status="scheduled", publish_at="2030-03-31T02:30"))
    assert response.status_code == 400
    assert "2030-03-31 02:30 does not exist in Europe/Paris" in page_text(response)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Post.id))).scalar() == 0
