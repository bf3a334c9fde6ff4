"""Uploaded images: checked by content, stored with variants in the given session, nothing left on failure."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from podcaster.content.images import ARTWORK, COVER, ImageError
from podcaster.content.media import delete_media, remove_files, store_image
from podcaster.extensions import db
from podcaster.models import MediaFile
from podcaster.web import media_store

from ..helpers.images import image_bytes, image_stream
from ..helpers.media import media_files


def test_cover_is_stored_with_thumbnail(app):
    with app.test_request_context():
        media = store_image(db.session, media_store(), *image_stream(image_bytes(1200, 1800)), COVER, 10**7)
        db.session.commit()
        assert (media.width, media.height, media.mime_type) == (1200, 1800, "image/jpeg")
        thumb = media.variant_or_self("thumb")
        assert thumb is not media and max(thumb.width, thumb.height) == 600
        assert sorted([media.path, thumb.path]) == media_files(app)


@pytest.mark.parametrize(
    "data, message",
    [
        (image_bytes(1400, 1400, "GIF", "P"), "JPEG or PNG"),
        (image_bytes(1400, 1000), "square"),
        (image_bytes(1000, 1000), "1400 to 3000"),
        (image_bytes(3200, 3200), "1400 to 3000"),
        (image_bytes(1400, 1400, "JPEG", "CMYK"), "RGB"),
        (b"GIF89a not really", "not an image"),
        (image_bytes(1400, 1400)[:5000], "damaged"),
    ],
)
def test_bad_podcast_artwork_is_refused_and_leaves_nothing(app, data, message):
    with app.test_request_context():
        with pytest.raises(ImageError, match=message):
            store_image(db.session, media_store(), *image_stream(data), ARTWORK, 10**7)
        db.session.commit()
        assert db.session.query(MediaFile).count() == 0
        assert media_files(app) == []


def test_good_artwork_gets_feed_and_thumb_sizes_and_deletes_cleanly(app):
    with app.test_request_context():
        store = media_store()
        media = store_image(db.session, store, *image_stream(image_bytes(3000, 3000, "PNG"), "art.png"), ARTWORK, 10**8)
        db.session.commit()
        assert media.mime_type == "image/png"
        assert media.variant_or_self("feed").width == 1400
        assert media.variant_or_self("thumb").width == 400
        assert len(media_files(app)) == 3
        paths = delete_media(db.session, media)
        db.session.commit()
        remove_files(store, paths)
        assert db.session.query(MediaFile).count() == 0
        assert media_files(app) == []


def test_oversize_image_is_refused(app):
    with app.test_request_context():
        with pytest.raises(ImageError, match="larger than"):
            store_image(db.session, media_store(), *image_stream(image_bytes(2000, 2000)), COVER, 1000)
        assert media_files(app) == []


@pytest.mark.parametrize("data, name", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "cover.jpg"),
    (b"<html><body><script>alert(1)</script></body></html>", "cover.png"),
])
def test_svg_or_html_disguised_as_an_image_is_refused(app, data, name):
    with app.test_request_context():
        with pytest.raises(ImageError, match="not an image"):
            store_image(db.session, media_store(), *image_stream(data, name), COVER, 10**7)
        assert media_files(app) == []


def test_rows_go_into_the_session_given(app):
    """The demo and the importer pass a session of their own: the rows must land there, not in db.session."""
    with app.app_context(), Session(db.engine) as session:
        media = store_image(session, media_store(), *image_stream(image_bytes(1200, 1800)), COVER, 10**7)
        assert media in session and media not in db.session and not db.session.new
        session.commit()
        assert db.session.get(MediaFile, media.id).variant_or_self("thumb").width == 400
