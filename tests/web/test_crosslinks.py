"""Books mentioned in posts and episodes: chosen in the admin, linked both ways, hidden items never leak."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from podcaster.extensions import db
from podcaster.models import Book, Episode, Post, Show

from ..helpers.web import page_text, post_form

NOW = datetime(2026, 3, 1, 9, 0)


def _seed(app) -> dict[str, int]:
    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        rooms, tides = Book(title="Rooms of Paper", slug="rooms"), Book(title="Tides", slug="tides")
        show = Show(title="Ink Hour", slug="ink")
        db.session.add_all([rooms, tides, show])
        db.session.add_all([
            Episode(show=show, title="Reading Rooms aloud", slug="aloud", status="published",
                    publish_at=NOW - timedelta(days=1), books=[rooms]),
            Episode(show=show, title="Secret episode", slug="secret", status="draft", books=[rooms]),
            Episode(show=show, title="Future episode", slug="future", status="scheduled",
                    publish_at=NOW + timedelta(days=1), books=[rooms]),
            Post(title="Draft musings", slug="musings", status="draft", books=[rooms]),
            Post(title="Tomorrow's post", slug="tomorrow", status="scheduled",
                 publish_at=NOW + timedelta(hours=2), books=[rooms]),
        ])
        db.session.commit()
        return {"rooms": rooms.id, "tides": tides.id}


def _post_data(**overrides):
    data = {"title": "Why I wrote Rooms", "slug": "", "body": "Some words.", "excerpt": "", "author_id": "0",
            "tags": "", "status": "published", "publish_at": ""}
    data.update(overrides)
    return data


def test_books_chosen_on_a_post_link_both_ways(app, client, auth):
    ids = _seed(app)
    auth.login()
    form_page = page_text(client.get("/admin/posts/new"))
    assert "<legend>Books mentioned</legend>" in form_page  # checkboxes, no Ctrl-click list
    assert re.search(rf'<input id="(books-\d+)" name="books" type="checkbox" value="{ids["rooms"]}"> '
                     r'<label for="\1">Rooms of Paper</label>', form_page)

    response = post_form(client, "/admin/posts/new",
                         {**_post_data(), "books": [str(ids["rooms"]), str(ids["tides"])]})
    assert response.status_code == 302
    with app.app_context():
        post = db.session.execute(db.select(Post).filter_by(slug="why-i-wrote-rooms")).scalar_one()
        assert sorted(book.slug for book in post.books) == ["rooms", "tides"]
        post_id = post.id

    edit_page = page_text(client.get(f"/admin/posts/{post_id}/edit"))
    assert re.search(rf'<input checked id="books-\d+" name="books" type="checkbox" value="{ids["tides"]}">',
                     edit_page), "the choice is kept on edit"

    post_page = page_text(client.get("/blog/why-i-wrote-rooms"))
    assert "Books in this post" in post_page
    assert 'href="/books/rooms"' in post_page and 'href="/books/tides"' in post_page

    book_page = page_text(client.get("/books/rooms"))
    assert "Mentioned in" in book_page
    assert 'href="/blog/why-i-wrote-rooms"' in book_page
    assert 'href="/podcasts/ink/aloud"' in book_page
    for hidden in ("Secret episode", "Future episode", "Draft musings", "Tomorrow"):
        assert hidden not in book_page

    # un-choosing every book removes the links from both pages
    response = post_form(client, f"/admin/posts/{post_id}/edit", _post_data(slug="why-i-wrote-rooms"))
    assert response.status_code == 302
    assert "Books in this post" not in page_text(client.get("/blog/why-i-wrote-rooms"))
    assert "/blog/why-i-wrote-rooms" not in page_text(client.get("/books/tides"))


def test_scheduled_post_joins_the_book_page_at_its_time(app, client):
    _seed(app)
    assert "Tomorrow" not in page_text(client.get("/books/rooms"))
    app.config["CLOCK"] = lambda: NOW + timedelta(hours=3)
    assert 'href="/blog/tomorrow"' in page_text(client.get("/books/rooms"))


def test_unknown_book_is_refused_and_nothing_is_saved(app, client, auth):
    ids = _seed(app)
    auth.login()
    response = post_form(client, "/admin/posts/new", {**_post_data(), "books": [str(ids["tides"] + 99)]})
    assert response.status_code == 400
    assert "is not a valid choice" in page_text(response)
    with app.app_context():
        assert db.session.execute(db.select(Post).filter_by(slug="why-i-wrote-rooms")).scalar_one_or_none() is None


def test_book_without_mentions_has_no_section(app, client):
    _seed(app)
    assert "Mentioned in" not in page_text(client.get("/books/tides"))
