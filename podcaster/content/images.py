"""Checking and resizing uploaded images with Pillow, and the rules for each kind of image.

Photos and book covers accept any common raster format and are stored as
uploaded. Podcast artwork follows Apple's rules (JPEG or PNG, square,
1400-3000 px, RGB); the original is kept and smaller copies are made for the
feed and for pages. Storing an image (file, rows, variants) is ``media.store_image``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

#: Formats accepted for photos and covers, with their MIME type and file extension.
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
PODCAST_FORMATS = {"JPEG", "PNG"}
PODCAST_MIN_SIDE = 1400
PODCAST_MAX_SIDE = 3000
#: Largest decoded image we open: a decompression bomb is refused, not decoded.
MAX_PIXELS = 40_000_000


class ImageError(ValueError):
    """The file is not an acceptable image; the message says why, for the form."""


@dataclass(frozen=True)
class ImageRule:
    """How one kind of image is checked and which smaller copies are made."""

    folder: str
    variants: dict[str, int]  # variant name -> longest side in pixels
    podcast_artwork: bool = False


PHOTO = ImageRule("photos", {"thumb": 400})
COVER = ImageRule("covers", {"thumb": 600})
ARTWORK = ImageRule("artwork", {"feed": 1400, "thumb": 400}, podcast_artwork=True)
#: The site's logo (shown in the header) and favicon (browsers ask for small squares).
LOGO = ImageRule("site", {"thumb": 400})
FAVICON = ImageRule("site", {"icon": 64})


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mime_type: str
    extension: str
    width: int
    height: int
    mode: str


def inspect_image(path: str | Path) -> ImageInfo:
    """Identify an image by its content (never by its name) and check it decodes.

    Args:
        path: the file to read.

    Returns:
        What the image is.

    Raises:
        ImageError: not an image, an unsupported format, too many pixels, or truncated.
    """
    try:
        with Image.open(path) as image:
            if image.format not in IMAGE_FORMATS:
                raise ImageError(
                    f"{image.format or 'This'} images are not accepted; upload a JPEG, PNG, WebP or GIF."
                )
            if image.width * image.height > MAX_PIXELS:
                raise ImageError(f"The image is too large ({image.width}×{image.height} pixels).")
            image.load()  # decode fully: a truncated file fails here, not later on a page
            mime, ext = IMAGE_FORMATS[image.format]
            return ImageInfo(image.format, mime, ext, image.width, image.height, image.mode)
    except UnidentifiedImageError as exc:
        raise ImageError("The file is not an image Pillow can read.") from exc
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError(f"The image is damaged or incomplete ({exc}).") from exc


def check_podcast_artwork(info: ImageInfo) -> None:
    """Apply Apple's artwork rules.

    Raises:
        ImageError: naming the first rule the image breaks.
    """
    if info.format not in PODCAST_FORMATS:
        raise ImageError("Podcast artwork must be a JPEG or PNG file.")
    if info.width != info.height:
        raise ImageError(f"Podcast artwork must be square; this one is {info.width}×{info.height} pixels.")
    if not PODCAST_MIN_SIDE <= info.width <= PODCAST_MAX_SIDE:
        raise ImageError(
            f"Podcast artwork must be {PODCAST_MIN_SIDE} to {PODCAST_MAX_SIDE} pixels square; "
            f"this one is {info.width}×{info.height}."
        )
    # Palette and alpha PNGs are RGB images too; CMYK and greyscale are what Apple refuses.
    if info.mode not in ("RGB", "RGBA", "P"):
        raise ImageError(f"Podcast artwork must use the RGB colour space, not {info.mode}.")


def check_artwork_file(path: str | Path) -> None:
    """Refuse a file that is not podcast artwork Apple accepts (for a file kept before it is stored).

    Raises:
        ImageError: not an image, or not square RGB artwork of the accepted size.
    """
    check_podcast_artwork(inspect_image(path))


def resized_jpeg(path: str | Path, max_side: int, quality: int = 85) -> tuple[bytes, int, int]:
    """Make an RGB JPEG no larger than ``max_side`` on either side (never enlarged).

    Args:
        path: the source image.
        max_side: the longest side of the result.
        quality: JPEG quality.

    Returns:
        The JPEG bytes, its width and its height.
    """
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        return out.getvalue(), image.width, image.height
