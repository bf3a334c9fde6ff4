"""Sitemap and robots.txt: every public page listed, nothing unpublished."""
from __future__ import annotations

from datetime import timedelta

from lxml import etree

from podcaster.extensions import db
from podcaster.models import Author, Book, Episode, Post, Show, utcnow

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _seed(app):
    now = utcnow()
    with app.app_context():
        author = Author(name="Ada", slug="ada", is_main=True)
        show = Show(title="Ink", slug="ink")
        db.session.add_all([
            author, Book(title="Rooms", slug="rooms"), show,
            Post(title="Out", slug="out", status="published", publish_at=now - timedelta(days=1), author=author),
            Post(title="Draft", slug="draft-post", status="draft"),
            Post(title="Later", slug="later-post", status="scheduled", publish_at=now + timedelta(days=1)),
            Episode(show=show, title="One", slug="one", status="published", publish_at=now - timedelta(hours=1)),
            Episode(show=show, title="Two", slug="two-draft", status="draft"),
            Episode(show=show, title="Three", slug="three-later", status="scheduled",
                    publish_at=now + timedelta(days=2)),
        ])
        db.session.commit()


def _locations(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    return etree.fromstring(response.data).xpath("//s:url/s:loc/text()", namespaces=NS)


def test_sitemap_lists_public_pages_and_no_unpublished_item(app, client):
    _seed(app)
    locations = _locations(client)
    assert "http://podcaster.test/" in locations
    for path in ("/blog/out", "/books/rooms", "/authors/ada", "/podcasts/ink", "/podcasts/ink/one"):
        assert "http://podcaster.test" + path in locations
    assert not any(hidden in loc for loc in locations for hidden in ("draft", "later"))
    for location in locations:  # every listed page really answers
        assert client.get(location.removeprefix("http://podcaster.test")).status_code == 200, location


def test_scheduled_items_join_the_sitemap_at_their_time(app, client):
    _seed(app)
    app.config["CLOCK"] = lambda: utcnow() + timedelta(days=3)
    locations = _locations(client)
    assert "http://podcaster.test/blog/later-post" in locations
    assert "http://podcaster.test/podcasts/ink/three-later" in locations


def test_robots_points_at_the_sitemap_and_hides_the_admin(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://podcaster.test/sitemap.xml" in text
