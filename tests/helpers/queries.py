"""Counting the SQL statements a request runs, and a site seeded in bulk at a chosen size."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import event, insert, select

from podcaster.content import page_cache
from podcaster.content.feeds import cache
from podcaster.extensions import db
from podcaster.models import (Author, Book, BookContributor, Episode, MediaFile, Post, Show, ShowAuthor, Tag,
                              Video)
from podcaster.models.posts import post_books, post_tags
from podcaster.models.shows import episode_books


class StatementLog(list):
    """The SQL statements run while ``counting_statements`` was open, in order."""


@contextlib.contextmanager
def counting_statements(app) -> Iterator[StatementLog]:
    """Record every statement sent to ``app``'s database engine while the block runs."""
    with app.app_context():
        engine = db.engine
    log = StatementLog()

    def record(conn, cursor, statement, parameters, context, executemany):
        log.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_for(app, client, url: str) -> tuple[int, int, StatementLog]:
    """GET ``url`` and return (status, number of statements, the statements)."""
    with counting_statements(app) as log:
        response = client.get(url)
    return response.status_code, len(log), log


SHOW_SLUG = "long-show"


def seed_catalogue(app, *, episodes: int, posts: int, now: datetime) -> None:
    """Grow a site to ``episodes`` public episodes of one show and ``posts`` public posts (bulk inserts).

    The first call also makes the fixed part: a main author with a photo, a book with a cover and a
    contributor, the show with artwork and credits, a tag and a video. Every episode has an audio row
    (no file: no page opens one), a linked book; every post an author, a tag and a book. Calling it again
    with larger numbers adds the missing rows, so one app can be measured at two sizes.
    """
    with app.app_context():
        session = db.session
        author = session.execute(select(Author).filter_by(slug="ada-quill")).scalar_one_or_none()
        if author is None:
            author = Author(name="Ada Quill", slug="ada-quill", is_main=True, bio="Writes *books*.",
                            photo=_image("images/ada.jpg"))
            book = Book(title="Quiet Rooms", slug="quiet-rooms", pub_year=2024, cover=_image("images/book.jpg"))
            book.contributors.append(BookContributor(author=author, role="author"))
            show = Show(title="The Long Show", slug=SHOW_SLUG, description="A show about **books**.",
                        artwork=_image("images/show.jpg"), language="en", author_name="Ada Quill",
                        owner_name="Ada Quill", owner_email="ada@example.com")
            show.credits.append(ShowAuthor(author=author, role="host"))
            session.add_all([author, book, show, Tag(name="News", slug="news")])
            session.flush()
            session.add(Video(youtube_id="dQw4w9WgXcQ", title="A reading", author=author, book=book))
            session.commit()
        show_id = session.execute(select(Show.id).filter_by(slug=SHOW_SLUG)).scalar_one()
        book_id = session.execute(select(Book.id).filter_by(slug="quiet-rooms")).scalar_one()
        tag_id = session.execute(select(Tag.id).filter_by(slug="news")).scalar_one()
        have_episodes = session.scalar(select(db.func.count(Episode.id)))
        have_posts = session.scalar(select(db.func.count(Post.id)))
        new_episodes = range(have_episodes + 1, episodes + 1)
        session.execute(insert(MediaFile), [
            {"path": f"audio/{SHOW_SLUG}/episode-{n}.mp3", "size": 1_000_000 + n, "mime_type": "audio/mpeg",
             "sha256": "0" * 64, "kind": "audio"} for n in new_episodes])
        audio_ids = dict(session.execute(select(MediaFile.path, MediaFile.id).where(MediaFile.kind == "audio")).all())
        session.execute(insert(Episode), [
            {"show_id": show_id, "title": f"Episode {n}", "slug": f"episode-{n}", "guid": f"urn:scale:{n}",
             "notes": f"Notes for **episode {n}**.", "audio_id": audio_ids[f"audio/{SHOW_SLUG}/episode-{n}.mp3"],
             "duration": 1800.0, "season": 1, "number": n, "status": "published",
             "publish_at": now - timedelta(hours=n), "chapters": [], "persons": [], "soundbites": []}
            for n in new_episodes])
        episode_ids = session.execute(select(Episode.id).where(Episode.number >= have_episodes + 1)).scalars()
        session.execute(insert(episode_books), [{"episode_id": i, "book_id": book_id} for i in episode_ids])
        new_posts = range(have_posts + 1, posts + 1)
        session.execute(insert(Post), [
            {"title": f"Post {n}", "slug": f"post-{n}", "body": f"Body of **post {n}**.", "excerpt": "",
             "author_id": author.id, "status": "published", "publish_at": now - timedelta(hours=n)}
            for n in new_posts])
        post_ids = list(session.execute(select(Post.id).where(Post.slug.in_([f"post-{n}" for n in new_posts])))
                        .scalars())
        session.execute(insert(post_tags), [{"post_id": i, "tag_id": tag_id} for i in post_ids])
        session.execute(insert(post_books), [{"post_id": i, "book_id": book_id} for i in post_ids])
        cache.invalidate(session, all_shows=True, blog=True)  # bulk inserts bypass the session's hooks
        page_cache.invalidate(session)
        session.commit()


def _image(path: str) -> MediaFile:
    return MediaFile(path=path, size=1, mime_type="image/jpeg", sha256="0" * 64, kind="image", width=1400,
                     height=1400)
