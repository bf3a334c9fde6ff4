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


def stored_bytes(app, relative: str) -> bytes:
    """A stored file's bytes wherever the app keeps it: the media folder or (S3 backend) the bucket."""
    from podcaster.content.storage import MediaStore
    from podcaster.content.storage_s3 import remote_store_from_config

    store = remote_store_from_config(app.config) or MediaStore(app.config["MEDIA_ROOT"])
    with store.open(relative) as handle:
        return handle.read()


_MPEG1_L3_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MPEG1_RATES = (44100, 48000, 32000)


def repeated_mp3(target: Path, copies: int, source: Path = DATA / "cbr.mp3") -> Path:
    """A longer MP3 for players to skip about in: ``source``'s audio frames ``copies`` times, untagged.

    ``source`` must be MPEG-1 Layer III at a constant bitrate (``cbr.mp3``: 24.6 s, so 5 copies are
    about 2 minutes). The ID3 tag and the LAME Info frame (which states the frame count, and so the
    duration, of the original) are left out; browsers then time the file from its bitrate and size.
    """
    data = source.read_bytes()
    position = 0
    if data[:3] == b"ID3":
        position = 10 + ((data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F))
    frames = []
    while position + 4 <= len(data) and data[position] == 0xFF and data[position + 1] & 0xFE == 0xFA:
        header = data[position + 2]
        length = 144000 * _MPEG1_L3_BITRATES[header >> 4] // _MPEG1_RATES[(header >> 2) & 3] + ((header >> 1) & 1)
        frame = data[position:position + length]
        if b"Info" not in frame[:64] and b"Xing" not in frame[:64]:
            frames.append(frame)
        position += length
    assert len(frames) > 100, f"{source} is not a constant-bitrate MPEG-1 Layer III file"
    target.write_bytes(b"".join(frames) * copies)
    return target
