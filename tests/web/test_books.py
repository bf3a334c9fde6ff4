"""Admin CRUD for books (covers, ISBN, buy links, contributors) and the public book pages."""
from __future__ import annotations

from podcaster.extensions import db
from podcaster.models import Author, Book, BookContributor, MediaFile

from ..helpers.authoring import book_data
from ..helpers.images import image_upload
from ..helpers.media import media_files
from ..helpers.rows import count
from ..helpers.web import page_text, post_form, row_fields

NEW = "/admin/books/new"


def make_authors(app, number):
    with app.app_context():
        authors = [Author(name=f"Writer {i:02d}", slug=f"writer-{i:02d}", position=i, is_main=(i == 0))
                   for i in range(number)]
        db.session.add_all(authors)
        db.session.commit()
        return [author.id for author in authors]


def load_book(app, slug):
    with app.app_context():
        book = db.session.execute(db.select(Book).filter_by(slug=slug)).scalar_one()
        return {
            "id": book.id, "isbn": book.isbn, "buy_links": book.buy_links, "pub_year": book.pub_year,
            "credits": [(c.author.name, c.role) for c in book.contributors],
            "cover": book.cover and sorted([book.cover.path] + [v.path for v in book.cover.variants]),
        }


def test_create_book_with_cover_and_show_it(app, client, auth):
    ids = make_authors(app, 2)
    auth.login()
    form_page = page_text(client.get(NEW))
    assert 'name="contributors-2-author_id"' in form_page and 'for="contributors-0-author_id"' in form_page
    data = book_data([(ids[0], "author"), (ids[1], "foreword")], cover=image_upload("cover.png"))
    response = post_form(client, NEW, data)
    assert response.status_code == 302
    book = load_book(app, "the-lantern-years")
    assert book["isbn"] == "9780306406157"
    assert book["credits"] == [("Writer 00", "author"), ("Writer 01", "foreword")]
    assert media_files(app) == book["cover"] and len(book["cover"]) == 2

    listing = client.get("/books")
    assert listing.status_code == 200 and "The Lantern Years" in page_text(listing)
    page = page_text(client.get("/books/the-lantern-years"))
    assert "9780306406157" in page and "Invented Press" in page and "https://bookshop.example/lantern" in page
    assert "/authors/writer-00" in page and "Foreword:" in page and "<em>quiet</em>" in page
    assert "/media/covers/" in page
    assert client.get("/books/missing").status_code == 404
    assert "The Lantern Years" in page_text(client.get("/authors/writer-01"))


def test_anthology_with_28_contributors_keeps_order(app, client, auth):
    ids = make_authors(app, 30)
    auth.login()
    chosen = [(ids[0], "editor")] + [(author_id, "contributor") for author_id in reversed(ids[2:29])]
    assert len(chosen) == 28
    response = post_form(client, NEW, book_data(chosen, title="Twenty-Eight Doors"))
    assert response.status_code == 302
    book = load_book(app, "twenty-eight-doors")
    assert len(book["credits"]) == 28
    assert book["credits"][0] == ("Writer 00", "editor")
    assert [name for name, _ in book["credits"][1:]] == [f"Writer {i:02d}" for i in range(28, 1, -1)]

    # The edit form shows all 28 rows plus spare ones; re-saving with one removed and order changed works.
    edit = f"/admin/books/{book['id']}/edit"
    form_page = page_text(client.get(edit))
    assert 'name="contributors-30-author_id"' in form_page
    reordered = [(ids[29], "foreword")] + chosen[:1] + chosen[2:]
    assert post_form(client, edit, book_data(reordered, title="Twenty-Eight Doors")).status_code == 302
    book = load_book(app, "twenty-eight-doors")
    assert book["credits"][:2] == [("Writer 29", "foreword"), ("Writer 00", "editor")]
    assert len(book["credits"]) == 28 and count(app, BookContributor) == 28

    page = page_text(client.get("/books/twenty-eight-doors"))
    assert "Contributors:" in page and "Editor:" in page
    assert all(f"/authors/writer-{i:02d}" in page for i in range(2, 28))


def test_isbn_check_digit_error_and_no_half_saved_cover(app, client, auth):
    auth.login()
    response = post_form(client, NEW, book_data(isbn="978-0-306-40615-8", cover=image_upload("c.jpg")))
    text = page_text(response)
    assert response.status_code == 400
    assert "The check digit is wrong" in text
    assert 'value="978-0-306-40615-8"' in text
    assert count(app, Book) == 0 and count(app, MediaFile) == 0 and media_files(app) == []


def test_isbn_10_and_empty_accepted(app, client, auth):
    auth.login()
    post_form(client, NEW, book_data(isbn="0-8044-2957-x", title="Ten"))
    post_form(client, NEW, book_data(isbn="", title="None"))
    assert load_book(app, "ten")["isbn"] == "080442957X"
    assert load_book(app, "none")["isbn"] == ""


def test_duplicate_contributor_and_unknown_author_refused(app, client, auth):
    ids = make_authors(app, 1)
    auth.login()
    response = post_form(client, NEW, book_data([(ids[0], "author"), (ids[0], "author")]))
    assert response.status_code == 400 and "listed twice" in page_text(response)
    response = post_form(client, NEW, book_data([(9999, "author")]))
    assert response.status_code == 400 and "Not a valid choice" in page_text(response)
    assert count(app, Book) == 0


def test_bad_buy_link_and_oversize_cover(app, client, auth):
    auth.login()
    response = post_form(client, NEW, book_data(**row_fields("buy_links", [("Shop", "https://ok.example"), ("Shop two", "ftp://x.example")])))
    assert response.status_code == 400 and "Row 2: &#39;ftp://x.example&#39; is not a web address" in page_text(response)
    app.config["MAX_IMAGE_BYTES"] = 2000
    response = post_form(client, NEW, book_data(cover=image_upload("big.png", width=900, height=900,
                                                                     color="white")))
    assert response.status_code == 400 and "larger than" in page_text(response)
    assert count(app, Book) == 0 and media_files(app) == []


def test_slug_unique_and_cover_replaced_then_book_deleted(app, client, auth):
    auth.login()
    post_form(client, NEW, book_data(cover=image_upload("one.jpg")))
    post_form(client, NEW, book_data())
    first, second = load_book(app, "the-lantern-years"), load_book(app, "the-lantern-years-2")
    response = post_form(client, f"/admin/books/{second['id']}/edit", book_data(slug="the-lantern-years"))
    assert response.status_code == 400 and "already uses the slug" in page_text(response)

    edit = f"/admin/books/{first['id']}/edit"
    assert post_form(client, edit, book_data(cover=image_upload("two.webp"))).status_code == 302
    replaced = load_book(app, "the-lantern-years")
    assert "covers/two.webp" in replaced["cover"] and media_files(app) == replaced["cover"]

    assert post_form(client, edit, book_data(remove_cover="y")).status_code == 302
    assert media_files(app) == [] and count(app, MediaFile) == 0

    post_form(client, edit, book_data(cover=image_upload("three.gif")))
    response = post_form(client, f"/admin/books/{first['id']}/delete", {}, form_url="/admin/books/")
    assert response.status_code == 302
    assert count(app, Book) == 1 and media_files(app) == [] and count(app, MediaFile) == 0
    assert client.get("/books/the-lantern-years").status_code == 404
