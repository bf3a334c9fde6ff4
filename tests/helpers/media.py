"""The tests' data folder and what is in an app's media root."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from podcaster.models import MediaFile

#: Real audio, transcripts and other fixture files.
DATA = Path(__file__).parent.parent / "data"


def files_under(root: Path) -> list[str]:
    """Every file under ``root`` (temporary files included), relative, sorted; [] when it is absent."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()) \
        if root.exists() else []


def media_files(app) -> list[str]:
    """Every file under the media root (temporary files included), relative, sorted."""
    return files_under(Path(app.config["MEDIA_ROOT"]))


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


def stored_bytes(app, relative: str) -> bytes:
    """A stored file's bytes wherever the app keeps it: the media folder or (S3 backend) the bucket."""
    from podcaster.content.storage import MediaStore
    from podcaster.content.storage_s3 import remote_store_from_config

    store = remote_store_from_config(app.config) or MediaStore(app.config["MEDIA_ROOT"])
    with store.open(relative) as handle:
        return handle.read()
