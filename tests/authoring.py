"""Helpers for the author-content tests: real images made with Pillow, files on disk, row counts."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from podcaster.extensions import db


def image_bytes(width: int = 600, height: int = 800, fmt: str = "JPEG", color: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, fmt)
    return out.getvalue()


def image_upload(name: str = "photo.jpg", **kwargs) -> tuple[io.BytesIO, str]:
    """A file tuple for the test client's ``data``."""
    fmt = {"png": "PNG", "webp": "WEBP", "gif": "GIF"}.get(name.rsplit(".", 1)[-1], "JPEG")
    return io.BytesIO(image_bytes(fmt=fmt, **kwargs)), name


def media_files(app) -> list[str]:
    """Every file under MEDIA_ROOT (relative paths), temp files included."""
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def count(app, model) -> int:
    with app.app_context():
        return db.session.query(model).count()


def page_text(response) -> str:
    return response.get_data(as_text=True)
