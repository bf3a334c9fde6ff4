"""Rows and real files for feed tests: a show with artwork, credits, audio, transcript and chapters."""
from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from podcaster.extensions import db
from podcaster.models import Author, Episode, MediaFile, Post, Show, ShowAuthor

from .images import image_bytes
from .media import DATA, media_row

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
#: A fixed present for tests (``app.config["CLOCK"]``).
NOW = datetime(2026, 6, 1, 12, 0, 0)


def artwork(app, name: str = "cover", size: int = 1400) -> MediaFile:
    original = media_row(app, f"images/{name}.jpg", image_bytes(size), kind="image", mime="image/jpeg",
                         width=size, height=size)
    media_row(app, f"images/{name}-feed.jpg", image_bytes(size), kind="image", mime="image/jpeg",
              width=size, height=size, variant="feed", parent=original)
    return original


def make_show(app, *, episodes: int = 3, slug: str = "quiet-page", show_type: str = "episodic",
              scheduled: int = 0, drafts: int = 0, **show_values) -> int:
    """Create a complete show with ``episodes`` public episodes (newest last) and return its id."""
    with app.app_context():
        author = Author(name="Ada Quill", slug="ada-quill",
                        photo=media_row(app, "images/ada.jpg", image_bytes(400), kind="image", mime="image/jpeg",
                                        width=400, height=400))
        values = {
            "title": "The Quiet Page", "slug": slug, "subtitle": "Books, slowly",
            "description": "A show about **books**.", "artwork": artwork(app), "language": "en",
            "category": "Arts", "subcategory": "Books", "explicit": False, "author_name": "Ada Quill",
            "owner_name": "Ada Quill", "owner_email": "ada@example.com", "copyright": "© 2026 Ada Quill",
            "show_type": show_type, "locked": True,
            "funding": [{"label": "Support the show", "url": "https://example.com/support"}],
        }
        values.update(show_values)
        show = Show(**values)
        show.credits.append(ShowAuthor(author=author, role="host"))
        db.session.add(show)
        audio = DATA / "cbr.mp3"
        for index in range(1, episodes + scheduled + drafts + 1):
            publish_at = NOW - timedelta(days=episodes - index + 1)
            status = "published"
            if index > episodes:
                publish_at = NOW + timedelta(days=index - episodes)
                status = "scheduled"
            if index > episodes + scheduled:
                status, publish_at = "draft", None
            episode = Episode(
                show=show, title=f"Episode {index}: chapter & verse", slug=f"episode-{index}",
                guid=f"urn:test:{slug}:{index}", notes=f"Notes for **episode {index}** <script>x()</script>",
                audio=media_row(app, f"audio/{slug}/episode-{index}.mp3", source=audio, kind="audio",
                                mime="audio/mpeg"),
                duration=24.6, season=1, number=index, status=status, publish_at=publish_at,
                persons=[{"name": "Guest Person", "role": "guest", "href": "https://example.com/guest"}],
                soundbites=[{"start": 3, "duration": 10.5, "title": "The best bit"}],
            )
            if index == 1:
                episode.transcript = media_row(app, f"transcripts/{slug}/e1.vtt",
                                               b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n", kind="transcript",
                                               mime="text/vtt")
                episode.chapters_file = media_row(
                    app, f"chapters/{slug}/e1.json",
                    b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"}]}',
                    kind="chapters", mime="application/json+chapters")
            db.session.add(episode)
        db.session.commit()
        return show.id


def make_posts(app, count: int = 2) -> None:
    with app.app_context():
        author = db.session.execute(db.select(Author).filter_by(slug="ada-quill")).scalar_one_or_none()
        if author is None:
            author = Author(name="Ada Quill", slug="ada-quill")
        for index in range(1, count + 1):
            db.session.add(Post(title=f"Post {index}", slug=f"post-{index}", body=f"Body **{index}** <script>x</script>",
                                excerpt=f"Summary {index}", author=author, status="published",
                                publish_at=NOW - timedelta(days=count - index + 1)))
        db.session.add(Post(title="Draft", slug="draft", body="secret", status="draft"))
        db.session.commit()


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def set_clock(app, moment: datetime) -> None:
    app.config["CLOCK"] = lambda: moment


class Clock:
    """The app's clock, moved by the test: ``clock.now += timedelta(minutes=16)``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
