"""Show admin (create, edit, artwork, credits, delete with every file) and the public show pages."""
from __future__ import annotations

import io

import pytest

from podcaster.content.podcasts import podcast_guid
from podcaster.extensions import db
from podcaster.models import Author, Episode, MediaFile, Show, ShowAuthor

from ..helpers.images import image_bytes
from ..helpers.media import DATA, media_files
from ..helpers.podcasts import create_show, show_data
from ..helpers.web import CREDIT_COLUMNS, post_form, row_fields


@pytest.fixture
def admin(auth):
    auth.login()


def test_admin_pages_need_login(app, client):
    listing = client.get("/admin/shows/")
    assert listing.status_code == 302 and listing.headers["Location"] == "/login?next=%2Fadmin%2Fshows%2F"
    # Without a CSRF token the request is refused before anything else looks at it.
    assert client.post("/admin/shows/new", data=show_data()).status_code == 400
    # With a valid token (a visitor's own, from the login page) the login check answers.
    response = post_form(client, "/admin/shows/new", show_data(), form_url="/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=%2Fadmin%2Fshows%2Fnew"
    with app.app_context():
        assert db.session.execute(db.select(Show)).first() is None


def test_create_show_with_artwork_and_category(app, client, admin):
    data = show_data(category="Religion & Spirituality > Religion",
                     **row_fields("funding", [("Patreon", "https://patreon.com/ada")]))
    data["artwork"] = (io.BytesIO(image_bytes(1400)), "cover.jpg")
    response = post_form(client, "/admin/shows/new", data, form_url="/admin/shows/new",
                         content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        show = db.session.execute(db.select(Show)).scalar_one()
        assert show.slug == "the-quiet-page"
        assert (show.category, show.subcategory) == ("Religion & Spirituality", "Religion")
        assert show.funding == [{"label": "Patreon", "url": "https://patreon.com/ada"}]
        assert len(show.podcast_guid) == 36
        assert show.artwork.width == 1400
        assert {v.variant for v in show.artwork.variants} == {"feed", "thumb"}
        stored = {show.artwork.path} | {v.path for v in show.artwork.variants}
    assert set(media_files(app)) == stored
    listing = client.get("/admin/shows/").get_data(as_text=True)
    assert "The Quiet Page" in listing


def test_edit_keeps_guid_and_fills_the_form(app, client, admin):
    show = create_show(app, client)
    page = client.get(f"/admin/shows/{show.id}/edit").get_data(as_text=True)
    assert 'value="The Quiet Page"' in page and "Arts &gt; Books" in page
    response = post_form(client, f"/admin/shows/{show.id}/edit",
                         show_data(title="The Loud Page", slug="loud", show_type="serial"))
    assert response.status_code == 302
    with app.app_context():
        edited = db.session.get(Show, show.id)
        assert (edited.title, edited.slug, edited.show_type) == ("The Loud Page", "loud", "serial")
        assert edited.podcast_guid == show.podcast_guid


@pytest.mark.parametrize("fields, message", [
    ({"category": "Technology > Podcasting"}, "Not a valid choice"),
    ({"owner_email": "not-an-email"}, "valid email"),
    (row_fields("funding", [("Patreon", "")]), "Row 1 (“Patreon”) has no address."),
    (row_fields("credits", [("Nobody Known", "host")], CREDIT_COLUMNS), "No author called"),
    (row_fields("credits", [("", ""), ("Ada Quill", "dictator")], CREDIT_COLUMNS),
     "Row 2: “dictator” is not a known credit role"),
    ({"title": ""}, "This field is required"),
])
def test_invalid_show_form_is_refused(app, client, admin, fields, message):
    with app.app_context():
        db.session.add(Author(name="Ada Quill", slug="ada-quill"))
        db.session.commit()
    response = post_form(client, "/admin/shows/new", show_data(**fields))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Show)).first() is None


@pytest.mark.parametrize("image, message", [
    (image_bytes(1000), "1400"),
    (image_bytes(1400, mode="CMYK"), "RGB"),
    (b"<html>not an image</html>", "image"),
])
def test_bad_artwork_is_refused_and_nothing_is_stored(app, client, admin, image, message):
    data = show_data()
    data["artwork"] = (io.BytesIO(image), "cover.png")
    response = post_form(client, "/admin/shows/new", data, form_url="/admin/shows/new",
                         content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Show)).first() is None
        assert db.session.execute(db.select(MediaFile)).first() is None


def test_credits_link_site_authors_with_roles(app, client, admin):
    with app.app_context():
        db.session.add_all([Author(name="Ada Quill", slug="ada-quill"), Author(name="Bo Reed", slug="bo-reed")])
        db.session.commit()
    show = create_show(app, client, **row_fields("credits", [("Ada Quill", "host"), ("bo-reed", "producer")],
                                                 CREDIT_COLUMNS))
    with app.app_context():
        credits = db.session.execute(db.select(ShowAuthor).where(ShowAuthor.show_id == show.id)
                                     .order_by(ShowAuthor.position)).scalars().all()
        assert [(c.author.name, c.role) for c in credits] == [("Ada Quill", "host"), ("Bo Reed", "producer")]
    post_form(client, f"/admin/shows/{show.id}/edit", show_data(**row_fields("credits", [("Bo Reed", "co-host")], CREDIT_COLUMNS)))
    with app.app_context():
        credits = db.session.execute(db.select(ShowAuthor)).scalars().all()
        assert [(c.author.name, c.role) for c in credits] == [("Bo Reed", "co-host")]


def test_duplicate_slug_is_refused(app, client, admin):
    create_show(app, client, slug="same")
    response = post_form(client, "/admin/shows/new", show_data(slug="same", title="Other"))
    assert response.status_code == 400
    assert "already uses the slug" in response.get_data(as_text=True)


def test_delete_show_removes_episodes_and_every_file(app, client, admin):
    data = show_data()
    data["artwork"] = (io.BytesIO(image_bytes(1400)), "cover.jpg")
    post_form(client, "/admin/shows/new", data, form_url="/admin/shows/new", content_type="multipart/form-data")
    with app.app_context():
        show_id = db.session.execute(db.select(Show.id)).scalar_one()
    for title in ("One", "Two"):
        response = post_form(client, f"/admin/shows/{show_id}/episodes/new",
                             {"title": title, "status": "published", "explicit": "", "episode_type": "full",
                              "audio": ((DATA / "cbr.mp3").open("rb"), "one.mp3"),
                              "transcript": (io.BytesIO(b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n"), "t.vtt")},
                             content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)
    assert len(media_files(app)) == 3 + 2 * 2
    response = post_form(client, f"/admin/shows/{show_id}/delete", {}, form_url="/admin/shows/")
    assert response.status_code == 302
    assert media_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Episode)).first() is None
        assert db.session.execute(db.select(MediaFile)).first() is None
        assert db.session.execute(db.select(Show)).first() is None


def test_delete_needs_csrf(app, client, admin):
    show = create_show(app, client)
    assert client.post(f"/admin/shows/{show.id}/delete").status_code == 400
    with app.app_context():
        assert db.session.get(Show, show.id) is not None


def test_public_index_and_show_page(app, client, admin):
    show = create_show(app, client)
    index = client.get("/podcasts/")
    assert index.status_code == 200 and "The Quiet Page" in index.get_data(as_text=True)
    page = client.get(f"/podcasts/{show.slug}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>quiet</strong>" in text
    assert "No episodes published yet." in text
    assert f"/podcasts/{show.slug}/feed.xml" in text
    assert "overcast://" in text
    assert client.get("/podcasts/no-such-show").status_code == 404




def test_demo_podcast_has_real_episodes(app, client):
    from podcaster.demo.podcast import load_demo_podcast

    with app.app_context():
        author = Author(name="Ada Quill", slug="ada-quill", is_main=True)
        db.session.add(author)
        db.session.flush()
        load_demo_podcast(db.session, app.config["MEDIA_ROOT"], author)
        db.session.commit()
        show = db.session.execute(db.select(Show)).scalar_one()
        assert (show.category, show.subcategory) == ("Arts", "Books")
        assert show.artwork.width == 1400 and show.credits[0].author.name == "Ada Quill"
        episodes = sorted(show.episodes, key=lambda e: e.publish_at)
        assert [e.episode_type for e in episodes] == ["trailer", "full", "full"]
        assert all(e.audio.mime_type == "audio/mpeg" and 5 < e.duration < 15 for e in episodes)
        assert episodes[1].chapters[1]["title"] == "The opening lines"
        assert episodes[2].transcript.mime_type == "text/vtt"
        paths = {m.path for m in db.session.execute(db.select(MediaFile)).scalars()}
        slug = show.slug
    assert set(media_files(app)) == paths  # no temporary file left behind
    page = client.get(f"/podcasts/{slug}").get_data(as_text=True)
    assert page.count('class="play-button"') == 3  # each episode card plays its audio
    assert "writing in small rooms" in client.get(f"/podcasts/{slug}/writing-in-small-rooms").get_data(as_text=True)
    assert client.get(f"/podcasts/{slug}/feed.xml").status_code == 200
    with app.app_context():  # the guid of the feed URL the site serves (web/urls.py), given at the first build
        guid = db.session.execute(db.select(Show.podcast_guid)).scalar_one()
    assert guid == podcast_guid(f"http://podcaster.test/podcasts/{slug}/feed.xml")


def test_show_page_pages_through_episodes_in_the_shows_order(app, client, auth):
    from datetime import datetime, timedelta

    auth.login()
    show = create_show(app, client, show_type="serial")
    start = datetime(2020, 1, 1)
    with app.app_context():
        db.session.add_all([
            Episode(show_id=show.id, title=f"Part {n:02d}", slug=f"part-{n}", status="published",
                    publish_at=start + timedelta(days=n)) for n in range(1, 24)
        ] + [Episode(show_id=show.id, title="Unfinished", slug="unfinished", status="draft", publish_at=start)])
        db.session.commit()
    first = client.get(f"/podcasts/{show.slug}").get_data(as_text=True)
    assert first.index("Part 01") < first.index("Part 02") and "Part 21" not in first  # serial: oldest first
    assert "Page 1 of 2" in first and "Unfinished" not in first
    second = client.get(f"/podcasts/{show.slug}?page=2").get_data(as_text=True)
    assert "Part 21" in second and "Part 23" in second and "Part 01" not in second
    assert client.get(f"/podcasts/{show.slug}?page=9").status_code == 404
    post_form(client, f"/admin/shows/{show.id}/edit", show_data(show_type="episodic"))
    newest = client.get(f"/podcasts/{show.slug}").get_data(as_text=True)
    assert newest.index("Part 23") < newest.index("Part 22") and "Part 01" not in newest


def test_replacing_show_artwork_removes_the_old_files(app, client, admin):
    data = show_data()
    data["artwork"] = (io.BytesIO(image_bytes(1400)), "first.jpg")
    post_form(client, "/admin/shows/new", data, form_url="/admin/shows/new", content_type="multipart/form-data")
    with app.app_context():
        show_id = db.session.execute(db.select(Show.id)).scalar_one()
    old = set(media_files(app))
    data = show_data()
    data["artwork"] = (io.BytesIO(image_bytes(1500)), "second.png")
    response = post_form(client, f"/admin/shows/{show_id}/edit", data, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        show = db.session.get(Show, show_id)
        current = {show.artwork.path} | {v.path for v in show.artwork.variants}
        assert show.artwork.width == 1500
        assert db.session.execute(db.select(db.func.count(MediaFile.id))).scalar() == 3
    assert set(media_files(app)) == current and not current & old
    # A refused replacement keeps the current artwork.
    data = show_data()
    data["artwork"] = (io.BytesIO(image_bytes(900)), "small.jpg")
    assert post_form(client, f"/admin/shows/{show_id}/edit", data,
                     content_type="multipart/form-data").status_code == 400
    assert set(media_files(app)) == current
