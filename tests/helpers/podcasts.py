"""Shows and episodes made through the admin forms, as an author would."""
from __future__ import annotations

import functools
import io

from podcaster.content.media import delete_media, remove_files
from podcaster.content.storage import MediaStore
from podcaster.extensions import db
from podcaster.models import Episode, Show

from .images import image_bytes
from .media import DATA
from .web import post_form


@functools.cache
def artwork_bytes() -> bytes:
    """Square 1400 px JPEG artwork, the smallest Apple accepts (made once per run)."""
    return image_bytes(1400)


def artwork_upload(name: str = "cover.jpg") -> tuple[io.BytesIO, str]:
    """Acceptable show artwork as a file tuple for the test client's ``data``."""
    return io.BytesIO(artwork_bytes()), name


def show_data(**overrides) -> dict:
    data = {
        "title": "The Quiet Page", "slug": "", "subtitle": "Talk about books",
        "description": "A show about **quiet** novels.", "language": "en",
        "category": "Arts > Books", "author_name": "Ada Quill", "owner_name": "Ada Quill",
        "owner_email": "ada@example.com", "copyright": "© 2026 Ada Quill", "show_type": "episodic",
        "website_url": "", "locked": "y", "new_feed_url": "",
        "tag_mp3": "y", "position": "0",
    }
    data.update(overrides)
    return data


def create_show(app, client, keep_artwork: bool = False, **overrides) -> Show:
    """A show saved through the form (the client must be logged in), detached from its session.

    The new-show form refuses a show without artwork (Apple would), so artwork is sent unless
    ``artwork`` is given; that stand-in (never artwork the test gave) is removed again unless
    ``keep_artwork``, because most tests count the media files an episode adds and want a show that has none.
    """
    data = show_data(**overrides)
    if "artwork" in overrides:
        keep_artwork = True
    data.setdefault("artwork", artwork_upload())
    response = post_form(client, "/admin/shows/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        show = db.session.execute(db.select(Show).order_by(Show.id.desc())).scalars().first()
        if not keep_artwork and show.artwork is not None:
            artwork, show.artwork = show.artwork, None
            db.session.flush()
            paths = delete_media(db.session, artwork)
            db.session.commit()
            remove_files(MediaStore(app.config["MEDIA_ROOT"]), paths)
            db.session.refresh(show)
        db.session.expunge(show)
        return show


def episode_data(**overrides) -> dict:
    data = {"title": "First light", "slug": "", "notes": "We talk about *light*.", "summary": "",
            "season": "", "number": "1", "episode_type": "full", "explicit": "", "status": "published",
            "publish_at": ""}
    data.update(overrides)
    return data


def upload(name: str, filename: str | None = None):
    """A file of the data folder as a file tuple for the test client's ``data``."""
    return ((DATA / name).open("rb"), filename or name)


def post_episode(client, show_id: int, data: dict, url: str | None = None):
    """Post the episode form: a new episode of ``show_id``, or the edit form at ``url``."""
    url = url or f"/admin/shows/{show_id}/episodes/new"
    return post_form(client, url, data, content_type="multipart/form-data")


def only_episode(app) -> Episode:
    """The one episode in the database, its relations loaded and detached."""
    with app.app_context():
        episode = db.session.execute(db.select(Episode)).scalar_one()
        for name in ("audio", "transcript", "chapters_file", "artwork", "books", "show"):
            getattr(episode, name)
        db.session.expunge_all()
        return episode
