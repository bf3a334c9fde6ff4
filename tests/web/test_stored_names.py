"""Stored files are named after what their content is, never after the name the client sent.

Each upload goes through the real admin form with a hostile file name; the stored
file must end with the extension of the detected type, its stem must be plain ASCII
without dots, and /media must serve it with the detected type.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from podcaster.content.feeds.podcast import enclosure_type
from podcaster.extensions import db
from podcaster.models import Author, Book, Episode, MediaFile, Show

from ..helpers.authoring import author_data, book_data
from ..helpers.images import image_bytes
from ..helpers.media import DATA
from ..helpers.podcasts import create_show, show_data
from ..helpers.web import post_form

HOSTILE_NAMES = ["x.php", "x.html", "ｐｏｌｙ．ｈｔｍｌ", "../../evil.jpg", "x.jpg.html", ".htaccess",
                 "a\\..\\b.svg"]
SRT = b"1\n00:00:00,000 --> 00:00:02,500\nWelcome to the show.\n"
VTT = b"WEBVTT\n\n00:00.000 --> 00:02.500\nWelcome.\n"
CHAPTERS = b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Hello"}]}'
STEM = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def check_stored(app, client, media: dict, extension: str, mime_type: str) -> None:
    """The file is under a safe name ending in ``extension`` and served as ``mime_type``."""
    path = media["path"]
    assert media["mime_type"] == mime_type
    name = path.rsplit("/", 1)[-1]
    stem, _, ext = name.rpartition(".")
    assert ext == extension, path
    assert STEM.fullmatch(stem), path
    assert Path(app.config["MEDIA_ROOT"], path).is_file()
    with client.get(f"/media/{path}") as served:
        assert served.status_code == 200
        # audio goes out with the type its feed enclosure declares (Apple's audio/x-m4a for M4A)
        assert served.mimetype == (enclosure_type(mime_type) if mime_type.startswith("audio/") else mime_type)
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def stored_files(media: MediaFile) -> list[dict]:
    """The row and its variants as plain values (usable outside the app context)."""
    rows = [media] + list(media.variants)
    return [{"path": row.path, "mime_type": row.mime_type} for row in rows]


def episode_form(**files) -> dict:
    return {"title": "First light", "slug": "", "notes": "", "summary": "", "season": "", "number": "1",
            "episode_type": "full", "explicit": "", "status": "published", "publish_at": "",
            **files}


@pytest.fixture
def admin(client, auth):
    auth.login()


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("fmt, extension, mime_type",
                         [("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png")])
def test_author_photo_takes_the_detected_extension(app, client, admin, name, fmt, extension, mime_type):
    upload = (io.BytesIO(image_bytes(600, 800, fmt=fmt)), name)
    assert post_form(client, "/admin/authors/new", author_data(photo=upload)).status_code == 302
    with app.app_context():
        files = stored_files(db.session.execute(db.select(Author)).scalar_one().photo)
    check_stored(app, client, files[0], extension, mime_type)
    for variant in files[1:]:
        check_stored(app, client, variant, "jpg", "image/jpeg")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_book_cover_takes_the_detected_extension(app, client, admin, name):
    upload = (io.BytesIO(image_bytes(600, 800, fmt="WEBP")), name)
    assert post_form(client, "/admin/books/new", book_data(cover=upload)).status_code == 302
    with app.app_context():
        files = stored_files(db.session.execute(db.select(Book)).scalar_one().cover)
    check_stored(app, client, files[0], "webp", "image/webp")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_show_artwork_takes_the_detected_extension(app, client, admin, name):
    data = show_data()
    data["artwork"] = (io.BytesIO(image_bytes(fmt="PNG")), name)
    response = post_form(client, "/admin/shows/new", data, form_url="/admin/shows/new",
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        files = stored_files(db.session.execute(db.select(Show)).scalar_one().artwork)
    check_stored(app, client, files[0], "png", "image/png")
    for variant in files[1:]:
        check_stored(app, client, variant, "jpg", "image/jpeg")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_episode_files_take_the_detected_extensions(app, client, admin, name):
    show = create_show(app, client)
    data = episode_form(audio=(io.BytesIO((DATA / "aac.m4a").read_bytes()), name),
                        transcript=(io.BytesIO(VTT), name), chapters=(io.BytesIO(CHAPTERS), name),
                        artwork=(io.BytesIO(image_bytes()), name))
    response = post_form(client, f"/admin/shows/{show.id}/episodes/new", data,
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        episode = db.session.execute(db.select(Episode)).scalar_one()
        audio, transcript = stored_files(episode.audio)[0], stored_files(episode.transcript)[0]
        chapters, artwork = stored_files(episode.chapters_file)[0], stored_files(episode.artwork)[0]
    check_stored(app, client, audio, "m4a", audio["mime_type"])
    assert audio["mime_type"] == "audio/mp4"
    check_stored(app, client, transcript, "vtt", "text/vtt")
    check_stored(app, client, chapters, "json", "application/json+chapters")
    check_stored(app, client, artwork, "jpg", "image/jpeg")


@pytest.mark.parametrize("name", ["x.php", "ｐｏｌｙ．ｈｔｍｌ"])
def test_srt_transcript_and_mp3_take_the_detected_extensions(app, client, admin, name):
    show = create_show(app, client)
    data = episode_form(audio=(io.BytesIO((DATA / "cbr.mp3").read_bytes()), name),
                        transcript=(io.BytesIO(SRT), name))
    assert post_form(client, f"/admin/shows/{show.id}/episodes/new", data,
                     content_type="multipart/form-data").status_code == 302
    with app.app_context():
        episode = db.session.execute(db.select(Episode)).scalar_one()
        audio, transcript = stored_files(episode.audio)[0], stored_files(episode.transcript)[0]
    check_stored(app, client, audio, "mp3", "audio/mpeg")
    check_stored(app, client, transcript, "srt", "application/x-subrip")


def test_the_client_name_survives_only_as_an_ascii_stem(app, client, admin):
    upload = (io.BytesIO(image_bytes(600, 800)), "Zoë's Portrait (final).v2.PHP")
    assert post_form(client, "/admin/authors/new", author_data(photo=upload)).status_code == 302
    with app.app_context():
        photo = db.session.execute(db.select(Author)).scalar_one().photo
        assert photo.path == "photos/zoe-s-portrait-final-v2.jpg"
        assert photo.original_name == "Zoë's Portrait (final).v2.PHP"  # kept for display only


def test_imported_audio_takes_the_detected_extension(app, tmp_path):
    """An enclosure URL ending in .php is stored as what its content is."""
    from podcaster.content.feeds.importer import import_feed
    from podcaster.web import media_store

    feed = """<?xml version="1.0"?><rss version="2.0"><channel><title>Imported</title>
      <item><title>One</title><guid>one</guid><enclosure url="http://podcasts.example/play.php?id=1"
        type="audio/mpeg" length="1"/></item></channel></rss>""".encode()

    def fetch(url, limit):  # the enclosure's bytes, as a server would send them
        return io.BytesIO((DATA / "cbr.mp3").read_bytes())

    with app.test_request_context():
        result = import_feed(db.session, media_store(), feed, fetch=fetch)
        assert result.downloaded == 1, result.problems
        episode = db.session.execute(db.select(Episode)).scalar_one()
        assert episode.audio.path == "audio/imported/one.mp3"
        assert episode.audio.mime_type == "audio/mpeg"


def test_nginx_is_handed_the_detected_type_and_a_detected_extension(app, client, admin):
    """With X-Accel-Redirect nginx keeps the app's Content-Type; the file name agrees with it anyway."""
    app.config["MEDIA_ACCEL_REDIRECT"] = "/_protected_media/"
    upload = (io.BytesIO(image_bytes(600, 800)), "x.html")
    assert post_form(client, "/admin/authors/new", author_data(photo=upload)).status_code == 302
    with app.app_context():
        path = db.session.execute(db.select(Author)).scalar_one().photo.path
    served = client.get(f"/media/{path}")
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Accel-Redirect"] == "/_protected_media/photos/x.jpg"
