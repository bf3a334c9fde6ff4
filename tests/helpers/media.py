"""The tests' data folder and what is in an app's media root."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from podcaster.content.storage import HELD_PREFIX, INCOMING_FOLDER
from podcaster.models import MediaFile

#: Real audio, transcripts and other fixture files.
DATA = Path(__file__).parent.parent / "data"


def files_under(root: Path) -> list[str]:
    """Every file under ``root`` (temporary files included), relative, sorted; [] when it is absent."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()) \
        if root.exists() else []


def media_files(app) -> list[str]:
    """Every file under the media root (temporary files included), relative, sorted.

    Uploads held for a refused form's next submit (``held_files``) are left out: they are kept on
    purpose, and most tests check that a refusal stored nothing.
    """
    return [name for name in files_under(Path(app.config["MEDIA_ROOT"])) if name not in held_files(app)]


def held_files(app) -> list[str]:
    """The uploads held for a form's next submit (``web/held_uploads.py``), relative, sorted."""
    folder = Path(app.config["MEDIA_ROOT"]) / INCOMING_FOLDER
    return sorted(f"{INCOMING_FOLDER}/{path.name}" for path in folder.glob(f"{HELD_PREFIX}*")) \
        if folder.exists() else []


def media_contents(app) -> dict[str, bytes]:
    """Every file under the media root, relative path to bytes."""
    root = Path(app.config["MEDIA_ROOT"])
    return {name: (root / name).read_bytes() for name in media_files(app)}


def media_row(app, relative: str, data: bytes | None = None, source: Path | None = None, *, kind: str,
              mime: str, width: int | None = None, height: int | None = None, variant: str = "original",
              parent: MediaFile | None = None) -> MediaFile:
    """Write a real file into the app's media folder and return its (unsaved) row."""
    target = Path(app.config["MEDIA_ROOT"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        shutil.copyfile(source, target)
    else:
        target.write_bytes(data)
    content = target.read_bytes()
    return MediaFile(path=relative, size=len(content), sha256=hashlib.sha256(content).hexdigest(), kind=kind,
                     mime_type=mime, width=width, height=height, variant=variant, parent=parent)
