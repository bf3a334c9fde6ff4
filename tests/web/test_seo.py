"""Sitemap and robots.txt: every public page listed, nothing unpublished."""
from __future__ import annotations

from datetime import timedelta

from podcaster.extensions import db
from podcaster.models import Author, Book, Episode, Post, Show, utcnow

from ..helpers.web import sitemap_locations


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
    return sitemap_locations(client)


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


def test_the_sitemap_is_an_index_of_files_of_bounded_size(app, client):
    """At two addresses a file, 5 posts make 3 post files and 5 episodes 3 episode files; none is longer."""
    from lxml import etree

    from ..helpers.web import SITEMAP_NS

    app.config["SITEMAP_URLS_PER_FILE"] = 2
    now = utcnow()
    with app.app_context():
        show = Show(title="Ink", slug="ink")
        db.session.add(show)
        for n in range(5):
            db.session.add_all([
                Post(title=f"P{n}", slug=f"p{n}", status="published", publish_at=now - timedelta(hours=n)),
                Episode(show=show, title=f"E{n}", slug=f"e{n}", status="published",
                        publish_at=now - timedelta(hours=n)),
            ])
        db.session.commit()
    index = etree.fromstring(client.get("/sitemap.xml").data)
    files = [loc.removeprefix("http://podcaster.test")
             for loc in index.xpath("/s:sitemapindex/s:sitemap/s:loc/text()", namespaces=SITEMAP_NS)]
    assert files == ["/sitemaps/pages.xml", "/sitemaps/posts-1.xml", "/sitemaps/posts-2.xml",
                     "/sitemaps/posts-3.xml", "/sitemaps/podcasts/ink/episodes-1.xml",
                     "/sitemaps/podcasts/ink/episodes-2.xml", "/sitemaps/podcasts/ink/episodes-3.xml"]
    sizes = [len(etree.fromstring(client.get(url).data).xpath("//s:url", namespaces=SITEMAP_NS))
             for url in files[1:]]
    assert sizes == [2, 2, 1, 2, 2, 1]
    locations = sitemap_locations(client)
    assert len(locations) == len(set(locations))
    assert {f"http://podcaster.test/blog/p{n}" for n in range(5)} <= set(locations)
    assert {f"http://podcaster.test/podcasts/ink/e{n}" for n in range(5)} <= set(locations)
    # oldest first: a new post only ever changes the last file
    assert "/blog/p4" in client.get("/sitemaps/posts-1.xml").get_data(as_text=True)
    for missing in ("/sitemaps/posts-4.xml", "/sitemaps/posts-0.xml", "/sitemaps/podcasts/ink/episodes-4.xml",
                    "/sitemaps/podcasts/nope/episodes-1.xml"):
        assert client.get(missing).status_code == 404, missing


def test_the_sitemap_index_is_served_from_the_page_cache_until_an_edit(app, client):
    """Its counts read every public episode row, so a crawler's repeat visit reads only the cache version."""
    from ..helpers.queries import statements_for

    _seed(app)
    first = client.get("/sitemap.xml")
    status, number, log = statements_for(app, client, "/sitemap.xml")
    assert status == 200 and number == 1 and "page_cache_state" in log[0], log
    with app.app_context():
        show = Show(title="Wax", slug="wax")
        db.session.add_all([show, Episode(show=show, title="W", slug="w", status="published",
                                          publish_at=utcnow() - timedelta(hours=1))])
        db.session.commit()
    after = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/sitemaps/podcasts/wax/episodes-1.xml" in after
    assert "/sitemaps/podcasts/wax/" not in first.get_data(as_text=True)
