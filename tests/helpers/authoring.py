"""Form data for authors, books, posts and videos, and a small seeded site."""
from __future__ import annotations

from podcaster.content.images import COVER, PHOTO
from podcaster.content.media import store_image
from podcaster.extensions import db
from podcaster.models import Author, Book, BookContributor, Post, Tag, utcnow
from podcaster.web import media_store

from .images import image_bytes, image_stream
from .web import row_fields

#: The YouTube video id of ``video_data``.
VIDEO_ID = "dQw4w9WgXcQ"


def author_data(**overrides) -> dict:
    data = {
        "name": "Ada Quill", "slug": "", "short_bio": "Writes *quiet* novels.",
        "bio": "Ada Quill was born in an invented town.", "website_url": "https://ada.example",
        "youtube_url": "", "position": "0",
        **row_fields("links", [("Mastodon", "https://social.example/@ada"), ("Newsletter", "https://news.example")]),
    }
    data.update(overrides)
    return data


def book_data(contributors=(), **overrides) -> dict:
    """The book form; ``contributors`` are (author id, role) pairs."""
    data = {
        "title": "The Lantern Years", "subtitle": "A novel", "slug": "", "pub_year": "2021", "pub_date": "",
        "isbn": "978-0-306-40615-7", "publisher": "Invented Press", "description": "A *quiet* book.",
        "position": "1", **row_fields("buy_links", [("Bookshop", "https://bookshop.example/lantern")]),
    }
    for index, (author_id, role) in enumerate(contributors):
        data[f"contributors-{index}-author_id"] = str(author_id)
        data[f"contributors-{index}-role"] = role
    data.update(overrides)
    return data


def post_data(**overrides) -> dict:
    data = {"title": "On Beginnings", "slug": "", "body": "First paragraph.\n\nSecond *paragraph*.",
            "excerpt": "", "author_id": "0", "tags": "Writing, craft", "status": "published", "publish_at": ""}
    data.update(overrides)
    return data


def video_data(**overrides) -> dict:
    data = {"url": f"https://youtu.be/{VIDEO_ID}?si=abc123", "title": "Reading the first chapter",
            "description": "A reading in the garden.", "published_on": "2025-05-04", "position": "0",
            "author_id": "0", "book_id": "0", "episode_id": "0"}
    data.update(overrides)
    return data


def seed_site(app) -> None:
    """A small site: an author with a photo, a book with a cover and a contributor, a tagged post."""
    with app.test_request_context():
        store = media_store()
        author = Author(name="Ada Quill", slug="ada-quill", bio="Writes *books*.", is_main=True,
                        links=[{"label": "Blog", "url": "https://ada.example"}])
        author.photo = store_image(db.session, store, *image_stream(image_bytes(500, 500)), PHOTO, 10**7)
        book = Book(title="Quiet Rooms", slug="quiet-rooms", pub_year=2024, isbn="9780306406157",
                    buy_links=[{"label": "Shop", "url": "https://shop.example/q"}])
        book.cover = store_image(db.session, store, *image_stream(image_bytes(800, 1200)), COVER, 10**7)
        book.contributors.append(BookContributor(author=author, role="author"))
        post = Post(title="Hello", slug="hello", body="First post", author=author, status="published",
                    publish_at=utcnow(), tags=[Tag(name="News", slug="news")])
        db.session.add_all([author, book, post])
        db.session.commit()
