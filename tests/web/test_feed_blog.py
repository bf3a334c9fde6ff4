"""The blog's Atom feed: published posts only, with author, summary and sanitised full content."""
from __future__ import annotations

import feedparser

from podcaster.extensions import db
from podcaster.models import Post

from ..helpers.feeds import NOW, NS, make_posts, parse, set_clock

FEED = "/blog/feed.xml"
ATOM = {"a": NS["atom"]}


def test_atom_feed_of_published_posts(app, client):
    set_clock(app, NOW)
    make_posts(app, 2)
    response = client.get(FEED)
    assert response.status_code == 200
    assert response.content_type == "application/atom+xml; charset=utf-8"
    root = parse(response.data)
    assert root.xpath("/a:feed/a:title/text()", namespaces=ATOM) == ["Podcaster: blog"]
    assert root.xpath("/a:feed/a:id/text()", namespaces=ATOM) == ["http://podcaster.test/blog/feed.xml"]
    assert root.xpath("/a:feed/a:link[@rel='self']/@href", namespaces=ATOM) == ["http://podcaster.test/blog/feed.xml"]
    assert root.xpath("/a:feed/a:link[@rel='alternate']/@href", namespaces=ATOM) == ["http://podcaster.test/blog"]
    entries = root.xpath("/a:feed/a:entry", namespaces=ATOM)
    assert [e.findtext("a:title", namespaces=ATOM) for e in entries] == ["Post 2", "Post 1"]
    newest = entries[0]
    assert newest.findtext("a:id", namespaces=ATOM) == "http://podcaster.test/blog/post-2"
    assert newest.xpath("a:link/@href", namespaces=ATOM) == ["http://podcaster.test/blog/post-2"]
    assert newest.findtext("a:author/a:name", namespaces=ATOM) == "Ada Quill"
    assert newest.findtext("a:author/a:uri", namespaces=ATOM) == "http://podcaster.test/authors/ada-quill"
    assert newest.findtext("a:summary", namespaces=ATOM) == "Summary 2"
    assert newest.findtext("a:published", namespaces=ATOM).startswith("2026-05-31T12:00:00")
    content = newest.find("a:content", namespaces=ATOM)
    assert content.get("type") == "html"
    assert "<strong>2</strong>" in content.text and "<script" not in content.text


def test_feedparser_reads_the_blog_feed(app, client):
    set_clock(app, NOW)
    make_posts(app, 3)
    parsed = feedparser.parse(client.get(FEED).data)
    assert not parsed.bozo
    assert [entry.title for entry in parsed.entries] == ["Post 3", "Post 2", "Post 1"]
    assert parsed.entries[0].author == "Ada Quill"
    assert "<strong>3</strong>" in parsed.entries[0].content[0].value


def test_blog_feed_is_cached_and_invalidated(app, client):
    set_clock(app, NOW)
    make_posts(app, 1)
    first = client.get(FEED)
    assert client.get(FEED, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with app.app_context():
        db.session.execute(db.select(Post).filter_by(slug="draft")).scalar_one().status = "published"
        db.session.execute(db.select(Post).filter_by(slug="draft")).scalar_one().publish_at = NOW
        db.session.commit()
    second = client.get(FEED, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and b"<title>Draft</title>" in second.data
    assert client.head(FEED).headers["Content-Length"] == str(len(second.data))


def test_scheduled_post_appears_at_its_time(app, client):
    set_clock(app, NOW)
    with app.app_context():
        db.session.add(Post(title="Later", slug="later", body="soon", status="scheduled",
                            publish_at=NOW.replace(hour=18)))
        db.session.commit()
    assert b"Later" not in client.get(FEED).data
    set_clock(app, NOW.replace(hour=18))
    assert b"<title>Later</title>" in client.get(FEED).data


def test_empty_blog_feed_is_valid(client):
    parsed = feedparser.parse(client.get(FEED).data)
    assert not parsed.bozo and parsed.entries == []
