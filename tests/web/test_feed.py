"""The podcast RSS feed: every tag checked with lxml XPath, and read by feedparser and podcastparser."""
from __future__ import annotations

import io
import uuid
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest

from podcaster.content.feeds.podcast import cut_to_bytes
from podcaster.extensions import db
from podcaster.models import Episode, Show

from ..helpers.feeds import NOW, NS, make_show, parse, set_clock

FEED = "/podcasts/quiet-page/feed.xml"


@pytest.fixture
def feed_app(app):
    set_clock(app, NOW)
    make_show(app, episodes=3, scheduled=1, drafts=1)
    return app


def xp(root, path):
    return root.xpath(path, namespaces=NS)


def one(root, path) -> str:
    found = xp(root, path)
    assert len(found) == 1, f"{path}: {found}"
    value = found[0]
    return value if isinstance(value, str) else (value.text or "")


def test_channel_tags(feed_app, client):
    response = client.get(FEED)
    assert response.status_code == 200
    assert response.content_type == "application/rss+xml; charset=utf-8"
    root = parse(response.data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    ch = "/rss/channel"
    assert one(root, f"{ch}/title") == "The Quiet Page"
    assert one(root, f"{ch}/link") == "http://podcaster.test/podcasts/quiet-page"
    assert one(root, f"{ch}/description") == "A show about books."
    assert one(root, f"{ch}/language") == "en"
    assert one(root, f"{ch}/copyright") == "© 2026 Ada Quill"
    assert one(root, f"{ch}/atom:link[@rel='self']/@href") == "http://podcaster.test" + FEED
    assert one(root, f"{ch}/atom:link[@rel='self']/@type") == "application/rss+xml"
    assert one(root, f"{ch}/itunes:image/@href") == "http://podcaster.test/media/images/cover-feed.jpg"
    # W/3C's validator flags a channel itunes:title equal to <title>; shows have no Apple-only title.
    assert not xp(root, f"{ch}/itunes:title")
    assert one(root, f"{ch}/itunes:author") == "Ada Quill"
    assert one(root, f"{ch}/itunes:owner/itunes:name") == "Ada Quill"
    assert one(root, f"{ch}/itunes:owner/itunes:email") == "ada@example.com"
    assert one(root, f"{ch}/itunes:category/@text") == "Arts"
    assert one(root, f"{ch}/itunes:category/itunes:category/@text") == "Books"
    assert one(root, f"{ch}/itunes:explicit") == "false"
    assert one(root, f"{ch}/itunes:type") == "episodic"
    expected_guid = str(uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"),
                                   "podcaster.test/podcasts/quiet-page/feed.xml"))
    assert one(root, f"{ch}/podcast:guid") == expected_guid
    assert one(root, f"{ch}/podcast:locked") == "yes"
    assert one(root, f"{ch}/podcast:locked/@owner") == "ada@example.com"
    assert one(root, f"{ch}/podcast:funding/@url") == "https://example.com/support"
    assert one(root, f"{ch}/podcast:funding") == "Support the show"
    assert one(root, f"{ch}/podcast:person") == "Ada Quill"
    assert one(root, f"{ch}/podcast:person/@role") == "host"
    assert one(root, f"{ch}/podcast:person/@href") == "http://podcaster.test/authors/ada-quill"
    assert one(root, f"{ch}/podcast:person/@img") == "http://podcaster.test/media/images/ada.jpg"
    assert not xp(root, f"{ch}/itunes:new-feed-url")
    assert not xp(root, f"{ch}/itunes:complete")


def test_items_only_public_episodes_newest_first(feed_app, client):
    root = parse(client.get(FEED).data)
    items = xp(root, "/rss/channel/item")
    assert [one(item, "title") for item in items] == [f"Episode {n}: chapter & verse" for n in (3, 2, 1)]
    first = items[2]  # episode 1 carries the transcript and the chapters
    assert one(first, "guid") == "urn:test:quiet-page:1"
    assert one(first, "guid/@isPermaLink") == "false"
    assert one(first, "link") == "http://podcaster.test/podcasts/quiet-page/episode-1"
    assert parsedate_to_datetime(one(first, "pubDate")).replace(tzinfo=None) == NOW - timedelta(days=3)
    assert one(first, "pubDate").endswith("+0000")
    assert one(first, "enclosure/@url") == "http://podcaster.test/media/audio/quiet-page/episode-1.mp3"
    audio_file = Path(feed_app.config["MEDIA_ROOT"]) / "audio/quiet-page/episode-1.mp3"
    assert int(one(first, "enclosure/@length")) == audio_file.stat().st_size
    assert one(first, "enclosure/@type") == "audio/mpeg"
    assert one(first, "itunes:duration") == "25"
    assert one(first, "itunes:season") == "1"
    assert one(first, "itunes:episode") == "1"
    assert one(first, "itunes:episodeType") == "full"
    assert one(first, "itunes:explicit") == "false"
    assert one(first, "itunes:title") == "Episode 1: chapter & verse"
    assert one(first, "podcast:season") == "1"
    assert one(first, "podcast:episode") == "1"
    assert one(first, "description") == "Notes for episode 1"
    content = one(first, "content:encoded")
    assert "<strong>episode 1</strong>" in content and "script" not in content
    assert one(first, "podcast:transcript/@url") == "http://podcaster.test/media/transcripts/quiet-page/e1.vtt"
    assert one(first, "podcast:transcript/@type") == "text/vtt"
    assert one(first, "podcast:chapters/@url") == "http://podcaster.test/media/chapters/quiet-page/e1.json"
    assert one(first, "podcast:chapters/@type") == "application/json+chapters"
    assert one(first, "podcast:person") == "Guest Person"
    assert one(first, "podcast:person/@role") == "guest"
    assert one(first, "podcast:soundbite/@startTime") == "3"
    assert one(first, "podcast:soundbite/@duration") == "10.5"
    assert not xp(items[0], "podcast:transcript")


def test_enclosure_types_are_the_ones_apple_lists(app, client):
    set_clock(app, NOW)
    make_show(app, episodes=3)
    with app.app_context():
        from ..helpers.media import DATA, media_row

        episodes = {e.slug: e for e in db.session.execute(db.select(Episode)).scalars()}
        episodes["episode-1"].audio = media_row(app, "audio/quiet-page/e1.m4a", source=DATA / "aac.m4a",
                                                kind="audio", mime="audio/mp4")
        episodes["episode-2"].audio = None
        episodes["episode-2"].remote_audio_url = "https://old.example/e2.m4a"
        episodes["episode-2"].remote_audio_size = 1234
        episodes["episode-2"].remote_audio_type = "audio/mp4"
        db.session.commit()
    body = client.get(FEED).data
    root = parse(body)
    types = {one(item, "guid"): one(item, "enclosure/@type") for item in xp(root, "/rss/channel/item")}
    assert types == {"urn:test:quiet-page:1": "audio/x-m4a", "urn:test:quiet-page:2": "audio/x-m4a",
                     "urn:test:quiet-page:3": "audio/mpeg"}
    parsed = podcastparser.parse("http://podcaster.test" + FEED, io.BytesIO(body))
    assert {e["enclosures"][0]["mime_type"] for e in parsed["episodes"]} == {"audio/x-m4a", "audio/mpeg"}
    assert not feedparser.parse(body).bozo


def test_episode_overrides_explicit_and_artwork(app, client):
    set_clock(app, NOW)
    make_show(app, episodes=2, explicit=True)
    with app.app_context():
        from ..helpers.feeds import artwork

        episode = db.session.execute(db.select(Episode).filter_by(slug="episode-2")).scalar_one()
        episode.explicit = False
        episode.artwork = artwork(app, "episode-2")
        db.session.commit()
    root = parse(client.get(FEED).data)
    assert one(root, "/rss/channel/itunes:explicit") == "true"
    assert one(root, "/rss/channel/item[1]/itunes:explicit") == "false"
    assert one(root, "/rss/channel/item[1]/itunes:image/@href") == \
        "http://podcaster.test/media/images/episode-2-feed.jpg"
    assert one(root, "/rss/channel/item[2]/itunes:explicit") == "true"


def test_feedparser_reads_it_like_an_app(feed_app, client):
    parsed = feedparser.parse(client.get(FEED).data)
    assert not parsed.bozo
    assert parsed.feed.title == "The Quiet Page"
    assert len(parsed.entries) == 3
    entry = parsed.entries[-1]
    assert entry.title == "Episode 1: chapter & verse"
    assert entry.id == "urn:test:quiet-page:1"
    enclosure = entry.enclosures[0]
    assert enclosure.href == "http://podcaster.test/media/audio/quiet-page/episode-1.mp3"
    assert int(enclosure.length) > 100_000 and enclosure.type == "audio/mpeg"
    assert entry.itunes_duration == "25"
    assert entry.itunes_season == "1" and entry.itunes_episode == "1"
    assert parsed.feed.image.href.endswith("cover-feed.jpg")


def test_podcastparser_reads_it_like_an_app(feed_app, client):
    parsed = podcastparser.parse("http://podcaster.test" + FEED, io.BytesIO(client.get(FEED).data))
    assert parsed["title"] == "The Quiet Page"
    assert parsed["cover_url"].endswith("cover-feed.jpg")
    assert len(parsed["episodes"]) == 3
    episode = next(e for e in parsed["episodes"] if e["guid"] == "urn:test:quiet-page:1")
    assert episode["title"] == "Episode 1: chapter & verse"
    assert episode["total_time"] == 25
    assert episode["number"] == 1
    enclosure = episode["enclosures"][0]
    assert enclosure["url"].endswith("/media/audio/quiet-page/episode-1.mp3")
    assert enclosure["file_size"] > 100_000 and enclosure["mime_type"] == "audio/mpeg"
    assert episode["published"] == int((NOW - timedelta(days=3)).replace(tzinfo=UTC).timestamp())


def test_serial_shows_are_in_story_order_and_numbered(app, client):
    set_clock(app, NOW)
    make_show(app, episodes=4, show_type="serial")
    with app.app_context():
        episodes = {e.slug: e for e in db.session.execute(db.select(Episode)).scalars()}
        episodes["episode-1"].episode_type = "trailer"
        episodes["episode-1"].number = None
        episodes["episode-3"].number = None  # Apple needs a number: the feed fills it in
        episodes["episode-4"].number = None
        episodes["episode-2"].number = 1
        db.session.commit()
    root = parse(client.get(FEED).data)
    assert one(root, "/rss/channel/itunes:type") == "serial"
    titles = [t.split(":")[0] for t in xp(root, "/rss/channel/item/title/text()")]
    assert titles == ["Episode 1", "Episode 2", "Episode 3", "Episode 4"]
    numbers = [item.findtext("itunes:episode", namespaces=NS) for item in xp(root, "/rss/channel/item")]
    assert numbers == [None, "1", "2", "3"]
    assert one(root, "/rss/channel/item[1]/itunes:episodeType") == "trailer"


def test_serial_shows_list_episodes_without_a_season_last(app, client):
    set_clock(app, NOW)
    make_show(app, episodes=4, show_type="serial")
    with app.app_context():
        episodes = {e.slug: e for e in db.session.execute(db.select(Episode)).scalars()}
        episodes["episode-1"].season = None  # the oldest, but outside the story's seasons
        episodes["episode-2"].season = 2
        db.session.commit()
    root = parse(client.get(FEED).data)
    titles = [t.split(":")[0] for t in xp(root, "/rss/channel/item/title/text()")]
    assert titles == ["Episode 3", "Episode 4", "Episode 2", "Episode 1"]
    page = client.get("/podcasts/quiet-page").get_data(as_text=True)
    assert [page.index(f"Episode {n}:") for n in (3, 4, 2, 1)] == sorted(page.index(f"Episode {n}:")
                                                                          for n in (3, 4, 2, 1))


def test_podcast_guid_is_assigned_once_and_kept(app, client):
    set_clock(app, NOW)
    show_id = make_show(app, episodes=1)
    first = one(parse(client.get(FEED).data), "/rss/channel/podcast:guid")
    with app.app_context():
        assert db.session.get(Show, show_id).podcast_guid == first
    app.config["SITE_URL"] = "https://moved.example"
    with app.app_context():
        db.session.get(Show, show_id).title = "Renamed"  # an edit, so the feed is rebuilt on the new host
        db.session.commit()
    root = parse(client.get(FEED).data)
    assert one(root, "/rss/channel/atom:link/@href") == "https://moved.example" + FEED
    assert one(root, "/rss/channel/podcast:guid") == first


def test_a_scheduled_episode_appears_at_its_time_without_any_job(feed_app, client):
    assert len(xp(parse(client.get(FEED).data), "/rss/channel/item")) == 3
    set_clock(feed_app, NOW + timedelta(days=1, seconds=-1))
    assert len(xp(parse(client.get(FEED).data), "/rss/channel/item")) == 3
    set_clock(feed_app, NOW + timedelta(days=1))
    root = parse(client.get(FEED).data)
    assert xp(root, "/rss/channel/item[1]/title/text()")[0].startswith("Episode 4:")
    assert len(xp(root, "/rss/channel/item")) == 4


def test_moved_feed_answers_301_and_the_feed_says_where(feed_app, client):
    with feed_app.app_context():
        show = db.session.execute(db.select(Show)).scalar_one()
        show.new_feed_url = "https://new.example/feed.xml"
        db.session.commit()
        from podcaster.web.feeds import current_show_feed

        with feed_app.test_request_context():
            body = current_show_feed(show.id).body
    response = client.get(FEED)
    assert response.status_code == 301
    assert response.headers["Location"] == "https://new.example/feed.xml"
    assert one(parse(body), "/rss/channel/itunes:new-feed-url") == "https://new.example/feed.xml"


def test_episodes_without_audio_are_left_out_and_long_notes_are_cut(app, client):
    set_clock(app, NOW)
    make_show(app, episodes=2)
    with app.app_context():
        db.session.execute(db.select(Episode).filter_by(slug="episode-1")).scalar_one().audio = None
        db.session.execute(db.select(Episode).filter_by(slug="episode-2")).scalar_one().notes = "é " * 5000
        db.session.commit()
    root = parse(client.get(FEED).data)
    assert xp(root, "/rss/channel/item/guid/text()") == ["urn:test:quiet-page:2"]
    assert len(one(root, "/rss/channel/item/description").encode()) <= 4000


def test_cut_to_bytes_keeps_short_text_and_cuts_at_a_word():
    assert cut_to_bytes("short") == "short"
    cut = cut_to_bytes("word " * 2000, 100)
    assert len(cut.encode()) <= 100 and cut.endswith("word…")


def test_unknown_show_is_404(client):
    assert client.get("/podcasts/nope/feed.xml").status_code == 404


def test_complete_unlocked_show_without_owner_email(app, client):
    set_clock(app, NOW)
    make_show(app, episodes=1, complete=True, locked=False, owner_email="", copyright="")
    root = parse(client.get(FEED).data)
    assert one(root, "/rss/channel/itunes:complete") == "yes"
    assert one(root, "/rss/channel/podcast:locked") == "no"
    assert not xp(root, "/rss/channel/podcast:locked/@owner")
    assert not xp(root, "/rss/channel/itunes:owner")  # the doctor reports the missing email
    assert not xp(root, "/rss/channel/copyright")


def test_an_uploaded_tagged_episodes_enclosure_length_is_the_size_served(app, client, auth):
    """Through the real forms with ID3 tagging on: the tags change the file, and the feed must follow."""
    from mutagen.id3 import ID3

    from ..helpers.images import image_bytes
    from ..helpers.media import DATA
    from ..helpers.podcasts import create_show, episode_data, post_episode

    auth.login()
    show = create_show(app, client, title="Tagged Page", tag_mp3="y",
                       artwork=(io.BytesIO(image_bytes(1400)), "cover.jpg"))
    original = (DATA / "cbr.mp3").read_bytes()
    fields = episode_data(title="Tagged one", audio=(io.BytesIO(original), "cbr.mp3"))
    saved = post_episode(client, show.id, fields)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    auth.logout()

    visitor = app.test_client()
    feed = parse(visitor.get(f"/podcasts/{show.slug}/feed.xml").data)
    [enclosure] = xp(feed, "/rss/channel/item/enclosure")
    url = enclosure.get("url")
    assert url.startswith("http://podcaster.test/media/audio/tagged-page/")
    with visitor.get(url.removeprefix("http://podcaster.test")) as response:
        assert response.status_code == 200
        served = response.data
    on_disk = Path(app.config["MEDIA_ROOT"], url.removeprefix("http://podcaster.test/media/")).read_bytes()
    assert served == on_disk
    assert int(enclosure.get("length")) == len(served) == len(on_disk)
    # The file really was tagged (title and cover), so its size is not the uploaded one.
    tags = ID3(io.BytesIO(on_disk))
    assert str(tags["TIT2"]) == "Tagged one" and tags.getall("APIC")
    assert len(on_disk) != len(original)
