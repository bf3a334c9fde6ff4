"""Real images made with Pillow, as bytes or as uploads."""
from __future__ import annotations

import io

from PIL import Image

_FORMATS = {"png": "PNG", "webp": "WEBP", "gif": "GIF"}


def image_bytes(width: int = 1400, height: int | None = None, fmt: str = "JPEG", mode: str = "RGB",
                color: str | int | tuple | None = None) -> bytes:
    """A solid-colour image ``width`` × ``height`` (square when ``height`` is None) encoded as ``fmt``."""
    if color is None:
        color = (40, 90, 160) if mode == "RGB" else 128
    buffer = io.BytesIO()
    Image.new(mode, (width, height or width), color).save(buffer, fmt)
    return buffer.getvalue()


def image_upload(name: str = "photo.jpg", width: int = 600, height: int = 800,
                 **kwargs) -> tuple[io.BytesIO, str]:
    """A file tuple for the test client's ``data``, its format taken from ``name``'s extension."""
    fmt = _FORMATS.get(name.rsplit(".", 1)[-1], "JPEG")
    return io.BytesIO(image_bytes(width, height, fmt=fmt, **kwargs)), name


def image_stream(data: bytes, name: str = "picture.jpg") -> tuple[io.BytesIO, str]:
    """What ``content.media.store_image`` takes of an upload: its stream and its name."""
    return io.BytesIO(data), name
