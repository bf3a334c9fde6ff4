"""JSON-LD blocks: valid JSON, the right @type and fields, and no way out of the script element."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from podcaster.content import structured_data as ld
from podcaster.extensions import db
from podcaster.models import Author, Book, BookContributor, Episode, MediaFile, Post, Show, Video, utcnow
from podcaster.web.structured import jsonld

SCRIPT_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def blocks(html: str) -> list[dict]:
    return [json.loads(found) for found in SCRIPT_RE.findall(str(html))]


def test_script_block_cannot_be_closed_by_user_text():
    hostile = "</script><script>alert(1)</script>"
    html = str(ld.to_script(ld.person(hostile, "https://x.example/")))
    assert html.count("</script>") == 1
    assert blocks(html)[0]["name"] == hostile


def test_structured_data_for_each_kind(app):
    now = utcnow()
    with app.test_request_context():
        photo = MediaFile(path="photos/ada.jpg", size=1, mime_type="image/jpeg", sha256="0" * 64, kind="image")
        author = Author(name="Ada Quill", slug="ada", short_bio="Writes *quiet* novels.", photo=photo,
                        website_url="https://ada.example", youtube_url="https://www.youtube.com/@ada",
                        links=[{"label": "Mastodon", "url": "https://social.example/@ada"}])
        book = Book(title="Rooms", slug="rooms", isbn="9780306406157", pub_year=2024,
                    buy_links=[{"label": "Shop", "url": "https://shop.example/rooms"}])
        book.contributors.append(BookContributor(author=author, role="author"))
        show = Show(title="Ink & Air", slug="ink", description="About *writing*.", author_name="Ada Quill")
        audio = MediaFile(path="audio/ink/one.mp3", size=10, mime_type="audio/mpeg", sha256="1" * 64, kind="audio")
        episode = Episode(show=show, title="One", slug="one", status="published",
                          publish_at=now - timedelta(hours=1), audio=audio, duration=3725.4, number=1)
        post = Post(title="Hello", slug="hello", body="Some **text**", author=author, status="published",
                    publish_at=now)
        video = Video(youtube_id="dQw4w9WgXcQ", title="Reading", created_at=now)
        db.session.add_all([author, book, show, episode, post, video])
        db.session.flush()
        found = {block["@type"]: block for block in blocks(jsonld(author, book, show, episode, post, video))}

    person = found["Person"]
    assert person["name"] == "Ada Quill" and person["description"] == "Writes quiet novels."
    assert set(person["sameAs"]) == {"https://ada.example", "https://www.youtube.com/@ada",
                                     "https://social.example/@ada"}
    assert person["image"] == "http://podcaster.test/media/photos/ada.jpg"
    assert found["Book"]["isbn"] == "9780306406157" and found["Book"]["author"][0]["name"] == "Ada Quill"
    assert found["Book"]["offers"][0]["url"] == "https://shop.example/rooms"
    assert found["PodcastSeries"]["name"] == "Ink & Air"
    episode_ld = found["PodcastEpisode"]
    assert episode_ld["partOfSeries"]["url"] == "http://podcaster.test/podcasts/ink"
    assert episode_ld["associatedMedia"]["contentUrl"] == "http://podcaster.test/media/audio/ink/one.mp3"
    assert episode_ld["timeRequired"] == "PT1H2M5S"
    assert found["BlogPosting"]["headline"] == "Hello" and found["BlogPosting"]["author"]["name"] == "Ada Quill"
    assert found["VideoObject"]["embedUrl"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert found["VideoObject"]["uploadDate"] == now.date().isoformat()


def test_show_and_episode_pages_describe_themselves(app, client):
    from ..helpers.feeds import NOW, make_show, set_clock

    make_show(app, episodes=1)
    set_clock(app, NOW)
    show_page = client.get("/podcasts/quiet-page").get_data(as_text=True)
    series = [b for b in blocks(show_page) if b["@type"] == "PodcastSeries"][0]
    assert series["name"] == "The Quiet Page" and series["webFeed"].endswith("/podcasts/quiet-page/feed.xml")
    assert 'property="og:image" content="http://podcaster.test/media/' in show_page
    episode_page = client.get("/podcasts/quiet-page/episode-1").get_data(as_text=True)
    episode = [b for b in blocks(episode_page) if b["@type"] == "PodcastEpisode"][0]
    assert episode["name"] == "Episode 1: chapter & verse"
    assert episode["associatedMedia"]["contentUrl"].endswith("/media/audio/quiet-page/episode-1.mp3")
    assert episode_page.count('<meta name="description"') == 1
    assert "<script>x()</script>" not in episode_page  # notes are sanitised on the page
