"""Feed caching over HTTP: validators, 304, gzip, HEAD, invalidation on edits and across app servers."""
from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
from werkzeug.http import http_date

from podcaster import create_app
from podcaster.content.feeds import cache
from podcaster.extensions import db
from podcaster.models import Author, Episode, FeedCache, MediaFile, Show, ShowAuthor

from ..helpers.feeds import NOW, NS, make_show, parse, set_clock

FEED = "/podcasts/quiet-page/feed.xml"


@pytest.fixture
def feed_app(app):
    set_clock(app, NOW)
    make_show(app, episodes=3, scheduled=1)
    return app


def cache_row(app) -> FeedCache:
    with app.app_context():
        row = db.session.execute(db.select(FeedCache).filter(FeedCache.show_id.is_not(None))).scalar_one()
        db.session.expunge(row)
        return row


def titles(client) -> list[str]:
    return parse(client.get(FEED).data).xpath("/rss/channel/item/title/text()", namespaces=NS)


def test_validators_and_conditional_requests(feed_app, client):
    first = client.get(FEED)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("public")
    assert "Accept-Encoding" in first.headers["Vary"]
    same = client.get(FEED, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b"" and same.headers["ETag"] == etag
    assert client.get(FEED, headers={"If-None-Match": '"other", ' + etag}).status_code == 304
    assert client.get(FEED, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(FEED, headers={"If-Modified-Since": modified}).status_code == 304
    older = http_date(NOW - timedelta(days=30))
    assert client.get(FEED, headers={"If-Modified-Since": older}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    assert client.get(FEED, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200


def test_gzip_when_accepted(feed_app, client):
    plain = client.get(FEED)
    zipped = client.get(FEED, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data)
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # strong ETags name exact bytes
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)
    refused = client.get(FEED, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    again = client.get(FEED, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == zipped.headers["ETag"]


def test_head_has_headers_and_no_body(feed_app, client):
    body = client.get(FEED).data
    head = client.head(FEED)
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) == len(body)
    assert head.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert head.headers["ETag"] == client.get(FEED).headers["ETag"]


def test_the_feed_is_built_once_not_per_request(feed_app, client):
    client.get(FEED)
    built = cache_row(feed_app).built_at
    set_clock(feed_app, NOW + timedelta(hours=5))  # still before the scheduled episode
    for _ in range(3):
        assert client.get(FEED).status_code == 200
    assert cache_row(feed_app).built_at == built
    assert cache_row(feed_app).valid_until == NOW + timedelta(days=1)


@pytest.mark.parametrize("edit", ["episode", "show", "credit", "author", "artwork", "new_episode", "delete"])
def test_any_edit_invalidates_the_feed(feed_app, client, edit):
    before = client.get(FEED)
    with feed_app.app_context():
        show = db.session.execute(db.select(Show)).scalar_one()
        episode = db.session.execute(db.select(Episode).filter_by(slug="episode-3")).scalar_one()
        if edit == "episode":
            episode.title = "Renamed"
        elif edit == "show":
            show.owner_email = "new@example.com"
        elif edit == "credit":
            show.credits.append(ShowAuthor(author=Author(name="Co Host", slug="co-host"), role="cohost"))
        elif edit == "author":
            db.session.execute(db.select(Author)).scalar_one().name = "Ada Q. Quill"
        elif edit == "artwork":
            db.session.execute(db.select(MediaFile).filter_by(path="images/cover-feed.jpg")).scalar_one().path = \
                "images/cover-feed-2.jpg"
        elif edit == "new_episode":
            db.session.add(Episode(show_id=show.id, title="Brand new", slug="brand-new", status="published",
                                   publish_at=NOW - timedelta(minutes=1), audio=episode.audio))
        elif edit == "delete":
            db.session.delete(episode)
        db.session.commit()
    after = client.get(FEED, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    text = after.get_data(as_text=True)
    expected = {"episode": "Renamed", "show": "new@example.com", "credit": "Co Host", "author": "Ada Q. Quill",
                "artwork": "cover-feed-2.jpg", "new_episode": "Brand new"}.get(edit)
    if expected:
        assert expected in text
    else:
        assert "Episode 3:" not in text


@pytest.mark.parametrize("change", ["role", "author", "removed"])
def test_a_credit_changed_alone_invalidates_the_feed(feed_app, client, change):
    # Only the credit row changes here: the show itself is not touched, so nothing else marks the feed stale.
    before = client.get(FEED)
    assert parse(before.data).xpath("/rss/channel/podcast:person/@role", namespaces=NS) == ["host"]
    with feed_app.app_context():
        credit = db.session.execute(db.select(ShowAuthor)).scalar_one()
        if change == "role":
            credit.role = "cohost"
        elif change == "author":
            credit.author = Author(name="Bea Stone", slug="bea-stone")
        else:
            db.session.delete(credit)
        assert not any(isinstance(row, Show) for row in (*db.session.dirty, *db.session.deleted))
        db.session.commit()
    after = client.get(FEED, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    persons = parse(after.data).xpath("/rss/channel/podcast:person/text()", namespaces=NS)
    roles = parse(after.data).xpath("/rss/channel/podcast:person/@role", namespaces=NS)
    assert (persons, roles) == {"role": (["Ada Quill"], ["cohost"]), "author": (["Bea Stone"], ["host"]),
                                "removed": ([], [])}[change]


@pytest.mark.parametrize("how", ["show_id", "show"])
def test_an_episode_moved_to_another_show_leaves_neither_feed_stale(feed_app, client, how):
    with feed_app.app_context():
        db.session.add(Show(title="The Other Page", slug="other-page", author_name="Bea Stone",
                            owner_name="Bea Stone", owner_email="bea@example.com"))
        db.session.commit()
    other_feed = "/podcasts/other-page/feed.xml"

    def item_titles(url: str) -> list[str]:
        response = client.get(url)
        assert response.status_code == 200, url
        return parse(response.data).xpath("/rss/channel/item/title/text()", namespaces=NS)

    moved = "Episode 2: chapter & verse"
    assert moved in item_titles(FEED) and item_titles(other_feed) == []
    with feed_app.app_context():
        other = db.session.execute(db.select(Show).filter_by(slug="other-page")).scalar_one()
        episode = db.session.execute(db.select(Episode).filter_by(slug="episode-2")).scalar_one()
        if how == "show_id":
            episode.show_id = other.id
        else:
            episode.show = other
        db.session.commit()
    assert moved not in item_titles(FEED)
    assert item_titles(other_feed) == [moved]


def test_rolled_back_edits_do_not_invalidate(feed_app, client):
    client.get(FEED)
    with feed_app.app_context():
        db.session.execute(db.select(Episode).filter_by(slug="episode-3")).scalar_one().title = "Never saved"
        db.session.flush()
        db.session.rollback()
    assert cache_row(feed_app).stale is False


def test_identical_rebuild_keeps_last_modified(feed_app, client):
    first = client.get(FEED)
    set_clock(feed_app, NOW + timedelta(hours=1))
    with feed_app.app_context():
        cache.invalidate(db.session, all_shows=True)
        db.session.commit()
    second = client.get(FEED)
    assert cache_row(feed_app).built_at == NOW + timedelta(hours=1)
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]


def test_an_edit_during_a_rebuild_is_not_lost(feed_app, client):
    client.get(FEED)
    with feed_app.app_context():
        show_id = db.session.execute(db.select(Show.id)).scalar_one()
        cache.invalidate(db.session, show_ids={show_id})
        db.session.commit()

        def build_while_someone_edits():
            body = b"<rss/>"  # what the slow builder read before the edit
            other = db.session.execute(db.select(Episode).filter_by(slug="episode-2")).scalar_one()
            other.title = "Edited meanwhile"
            db.session.commit()
            return body, None

        served = cache.rebuild(db.session, cache.show_key(show_id), NOW, build_while_someone_edits, show_id)
        assert served.body == b"<rss/>"
    assert cache_row(feed_app).stale is True
    assert "Edited meanwhile" in titles(client)


def test_edits_on_another_app_server_invalidate_this_one(feed_app, client):
    client.get(FEED)
    other_server = create_app({**{key: feed_app.config[key] for key in (
        "TESTING", "SECRET_KEY", "DATABASE_URL", "MEDIA_ROOT", "SITE_URL")}})
    with other_server.app_context():
        db.session.execute(db.select(Episode).filter_by(slug="episode-1")).scalar_one().title = "Edited elsewhere"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert "Edited elsewhere" in titles(client)


def test_deleting_a_show_removes_its_cached_feed(feed_app, client):
    client.get(FEED)
    with feed_app.app_context():
        db.session.delete(db.session.execute(db.select(Show)).scalar_one())
        db.session.commit()
        assert db.session.execute(db.select(FeedCache)).first() is None
    assert client.get(FEED).status_code == 404



@pytest.mark.parametrize("header", ['W/{etag}', '"other", W/{etag}', 'W/"other" , {etag}', "*"])
def test_weak_validators_lists_and_star_give_304(feed_app, client, header):
    # A proxy that gzips on the fly (nginx) turns our strong ETag into W/"...": RFC 9110 §13.1.2 says
    # If-None-Match compares weakly, so the client's copy still counts as current.
    for accept in ("identity", "gzip"):
        etag = client.get(FEED, headers={"Accept-Encoding": accept}).headers["ETag"]
        conditional = {"Accept-Encoding": accept, "If-None-Match": header.format(etag=etag)}
        again = client.get(FEED, headers=conditional)
        assert again.status_code == 304, (accept, header)
        assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(FEED, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_feeds_can_be_read_by_web_players_in_a_browser(feed_app, client):
    from ..helpers.feeds import make_posts

    make_posts(feed_app)
    for url in (FEED, "/blog/feed.xml"):
        response = client.get(url, headers={"Origin": "https://web.podverse.example"})
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_a_broken_feed_is_retried_once_a_minute_or_after_an_edit(feed_app, client):
    good = client.get(FEED)
    with feed_app.app_context():
        db.session.execute(db.select(Episode).filter_by(slug="episode-1")).scalar_one().title = "Bad\x0b"
        db.session.commit()

    def failed_at():
        return cache_row(feed_app).build_failed_at

    assert client.get(FEED).data == good.data
    assert failed_at() == NOW
    set_clock(feed_app, NOW + timedelta(seconds=cache.RETRY_SECONDS - 1))
    assert client.get(FEED).data == good.data
    assert failed_at() == NOW, "not rebuilt again within the minute"
    set_clock(feed_app, NOW + timedelta(seconds=cache.RETRY_SECONDS))
    assert client.get(FEED).data == good.data
    assert failed_at() == NOW + timedelta(seconds=cache.RETRY_SECONDS)
    with feed_app.app_context():
        db.session.execute(db.select(Episode).filter_by(slug="episode-1")).scalar_one().title = "Fixed"
        db.session.commit()
    assert b"Fixed" in client.get(FEED).data, "an edit is tried at once"
    assert cache_row(feed_app).build_error is None
