"""Admin CRUD for authors (photos, links, the main author) and the public author pages."""
from __future__ import annotations

import io

from podcaster.extensions import db
from podcaster.models import Author, MediaFile, Post

from ..helpers.authoring import author_data
from ..helpers.images import image_upload
from ..helpers.media import media_files
from ..helpers.rows import count
from ..helpers.web import page_text, post_form, row_fields

NEW = "/admin/authors/new"


def get_author(app, slug):
    with app.app_context():
        author = db.session.execute(db.select(Author).filter_by(slug=slug)).scalar_one()
        return {"id": author.id, "is_main": author.is_main, "links": author.links,
                "photo": author.photo and [author.photo.path] + [v.path for v in author.photo.variants]}


def test_public_pages_on_an_empty_site(client):
    for url in ("/", "/about", "/books", "/videos", "/blog"):
        assert client.get(url).status_code == 200, url
    assert "no author profile" in page_text(client.get("/about"))


def test_admin_pages_need_login(client):
    for url in ("/admin/authors/", NEW):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_create_with_photo_then_public_page(app, client, auth):
    auth.login()
    response = post_form(client, NEW, author_data(photo=image_upload("Ada Portrait.JPG")), form_url=NEW)
    assert response.status_code == 302
    author = get_author(app, "ada-quill")
    assert author["is_main"], "the first author becomes the main author"
    assert author["links"] == [{"label": "Mastodon", "url": "https://social.example/@ada"},
                               {"label": "Newsletter", "url": "https://news.example"}]
    assert len(author["photo"]) == 2 and media_files(app) == sorted(author["photo"])
    listing = page_text(client.get("/admin/authors/"))
    assert "Ada Quill" in listing and "main author" in listing

    page = page_text(client.get("/authors/ada-quill"))
    assert "invented town" in page and "https://social.example/@ada" in page
    assert f'/media/{author["photo"][0]}' in page
    about = client.get("/about")
    assert about.status_code == 200 and "invented town" in page_text(about)
    assert client.get("/authors/nobody").status_code == 404


def test_slugs_are_generated_unique_and_duplicates_refused(app, client, auth):
    auth.login()
    assert post_form(client, NEW, author_data(name="Zoë Ångström"), form_url=NEW).status_code == 302
    assert post_form(client, NEW, author_data(name="Zoë Ångström"), form_url=NEW).status_code == 302
    assert get_author(app, "zoe-angstrom") and get_author(app, "zoe-angstrom-2")
    response = post_form(client, NEW, author_data(name="Other", slug="zoe-angstrom"), form_url=NEW)
    assert response.status_code == 400
    assert "already uses the slug" in page_text(response)
    response = post_form(client, NEW, author_data(name="Other", slug="Not A Slug!"), form_url=NEW)
    assert response.status_code == 400 and "lowercase letters" in page_text(response)
    assert count(app, Author) == 2


def test_invalid_form_keeps_input_and_leaves_no_file(app, client, auth):
    auth.login()
    response = post_form(
        client, NEW,
        author_data(name="", bio="Kept text", photo=image_upload(),
                    **row_fields("links", [("Mastodon", "https://ok.example"), ("broken row", "")])),
        form_url=NEW,
    )
    text = page_text(response)
    assert response.status_code == 400
    assert "This field is required." in text
    assert "Row 2 (“broken row”) has no address." in text
    # The typed rows come back as typed.
    assert 'value="https://ok.example"' in text and 'value="broken row"' in text
    assert "Kept text" in text
    assert count(app, Author) == 0 and count(app, MediaFile) == 0
    assert media_files(app) == []


def test_bad_links_name_the_line(client, auth):
    auth.login()
    response = post_form(client, NEW, author_data(**row_fields("links", [("Site", "javascript:alert(1)")])),
                         form_url=NEW)
    assert response.status_code == 400
    assert "Row 1" in page_text(response) and "https://" in page_text(response)


def test_not_an_image_is_refused_and_nothing_is_kept(app, client, auth):
    auth.login()
    fake = (io.BytesIO(b"<html>not a picture</html>"), "photo.jpg")
    response = post_form(client, NEW, author_data(photo=fake), form_url=NEW)
    assert response.status_code == 400
    assert "not an image" in page_text(response)
    assert count(app, Author) == 0 and count(app, MediaFile) == 0 and media_files(app) == []


def test_replace_remove_and_delete_clean_up_files(app, client, auth):
    auth.login()
    post_form(client, NEW, author_data(photo=image_upload("first.jpg")), form_url=NEW)
    first = get_author(app, "ada-quill")
    edit = f"/admin/authors/{first['id']}/edit"
    assert post_form(client, edit, author_data(is_main="y", photo=image_upload("second.png"))).status_code == 302
    second = get_author(app, "ada-quill")
    assert second["photo"][0].endswith("second.png")
    assert media_files(app) == sorted(second["photo"]), "the replaced photo is gone from disk"

    assert post_form(client, edit, author_data(is_main="y", remove_photo="y")).status_code == 302
    assert get_author(app, "ada-quill")["photo"] is None
    assert media_files(app) == [] and count(app, MediaFile) == 0

    post_form(client, edit, author_data(is_main="y", photo=image_upload("third.jpg")))
    with app.app_context():
        db.session.add(Post(title="Kept", slug="kept", author_id=first["id"]))
        db.session.commit()
    response = post_form(client, f"/admin/authors/{first['id']}/delete", {}, form_url="/admin/authors/")
    assert response.status_code == 302
    assert count(app, Author) == 0 and count(app, MediaFile) == 0 and media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Post.author_id)).scalar_one() is None


def test_exactly_one_main_author(app, client, auth):
    auth.login()
    post_form(client, NEW, author_data(name="First"), form_url=NEW)
    post_form(client, NEW, author_data(name="Second", is_main="y"), form_url=NEW)
    assert not get_author(app, "first")["is_main"] and get_author(app, "second")["is_main"]
    second = get_author(app, "second")
    response = post_form(client, f"/admin/authors/{second['id']}/edit", author_data(name="Second"))
    assert response.status_code == 400 and "needs a main author" in page_text(response)
    # Deleting the main author hands the role on.
    post_form(client, f"/admin/authors/{second['id']}/delete", {}, form_url="/admin/authors/")
    assert get_author(app, "first")["is_main"]


def test_delete_needs_csrf_token(app, client, auth):
    auth.login()
    post_form(client, NEW, author_data(), form_url=NEW)
    author = get_author(app, "ada-quill")
    response = client.post(f"/admin/authors/{author['id']}/delete")
    assert response.status_code == 400 and count(app, Author) == 1


def test_bio_markdown_is_sanitised(client, auth):
    auth.login()
    evil = ('Hello <script>alert(1)</script> <img src="x" onerror="alert(2)"> '
            '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>')
    post_form(client, NEW, author_data(bio=evil), form_url=NEW)
    page = page_text(client.get("/about"))
    assert "Hello" in page
    assert "<script>alert" not in page and "onerror" not in page and "href=\"javascript" not in page, page


def test_author_page_lists_their_shows(app, client):
    from podcaster.models import Show, ShowAuthor

    with app.app_context():
        author = Author(name="Host", slug="host", is_main=True)
        show = Show(title="The Quiet Page", slug="the-quiet-page", subtitle="Talks about drafts")
        show.credits = [ShowAuthor(author=author)]
        db.session.add_all([author, show])
        db.session.commit()
    page = page_text(client.get("/authors/host"))
    assert "The Quiet Page" in page and "Talks about drafts" in page
