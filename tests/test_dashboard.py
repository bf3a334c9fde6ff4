"""The admin dashboard shows each show's episodes by status, recent posts and the feed URL."""
from __future__ import annotations

from datetime import timedelta

from podcaster.extensions import db
from podcaster.models import Episode, Post, Show, utcnow


def test_dashboard_counts_episodes_by_status(app, client, auth):
    now = utcnow()
    with app.app_context():
        show = Show(title="Ink & Air", slug="ink")
        db.session.add_all([
            show,
            Episode(show=show, title="Out now", slug="a", status="published", publish_at=now - timedelta(days=1)),
            Episode(show=show, title="Soon", slug="b", status="scheduled",
                    publish_at=now.replace(microsecond=0) + timedelta(days=2)),
            Episode(show=show, title="Idea", slug="c", status="draft"),
            Episode(show=show, title="Idea 2", slug="d", status="draft"),
            Post(title="Tour dates", slug="tour", status="draft"),
        ])
        db.session.commit()
    auth.login()
    html = client.get("/admin/").get_data(as_text=True)
    assert "Ink &amp; Air" in html
    assert "1 published · 1 scheduled · 2 drafts" in html
    assert f"Scheduled for {(now + timedelta(days=2)).strftime('%Y-%m-%d %H:%M')} UTC" in html
    assert "Tour dates" in html and "(draft)" in html
    assert 'value="http://podcaster.test/podcasts/ink/feed.xml"' in html
    assert 'data-copy="feed-url-' in html


def test_dashboard_invites_the_first_show(client, auth):
    auth.login()
    assert "No show yet." in client.get("/admin/").get_data(as_text=True)
