"""Helpers shared by the show, episode and add-episode tests."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from podcaster.extensions import db
from podcaster.models import Show

from .conftest import post_form


def artwork_bytes(side: int = 1400, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (side, side), (40, 90, 160) if mode == "RGB" else (40, 90, 160, 10)).save(buffer, fmt)
    return buffer.getvalue()


def show_data(**overrides) -> dict:
    data = {
        "title": "The Quiet Page", "slug": "", "subtitle": "Talk about books",
        "description": "A show about **quiet** novels.", "language": "en",
        "category": "Arts > Books", "author_name": "Ada Quill", "owner_name": "Ada Quill",
        "owner_email": "ada@example.com", "copyright": "© 2026 Ada Quill", "show_type": "episodic",
        "website_url": "", "funding": "", "credits": "", "locked": "y", "new_feed_url": "",
        "tag_mp3": "y", "position": "0",
    }
    data.update(overrides)
    return data


def create_show(app, client, **overrides) -> Show:
    response = post_form(client, "/admin/shows/new", show_data(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        show = db.session.execute(db.select(Show).order_by(Show.id.desc())).scalars().first()
        db.session.expunge(show)
        return show


def media_files(app) -> list[str]:
    """Every file under the media root (temporary files included), relative, sorted."""
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []
