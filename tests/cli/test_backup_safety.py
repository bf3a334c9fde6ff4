"""podcaster import-backup against hostile archives: zip bombs, path tricks, symlinks, duplicates.

Every archive here is built in the test from a real export, then altered the way an
attacker (or a damaged disk) would. Each refusal must be one line on stderr with exit
status 1, and leave no row and no file behind.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import resource
import signal
import stat
import time
import warnings
import zipfile
from pathlib import Path

import pytest

from podcaster.extensions import db
from podcaster.models import Author, MediaFile

from ..helpers.authoring import seed_site
from ..helpers.media import files_under

BOMB_BYTES = 200 * 1024 * 1024


def export(app, runner, tmp_path) -> Path:
    seed_site(app)
    archive = tmp_path / "backup.zip"
    assert runner.invoke(args=["export", str(archive)]).exit_code == 0
    return archive


def rebuild(source: Path, target: Path, *, manifest=None, drop=(), add=(), raw_manifest: bytes | None = None):
    """Copy ``source`` to ``target`` with a new manifest, some entries dropped and others added.

    Args:
        manifest: a function changing the manifest dict in place.
        drop: entry names to leave out.
        add: ``(ZipInfo or name, bytes)`` pairs appended, in order (duplicates allowed).
        raw_manifest: manifest.json bytes to write as they are.
    """
    with zipfile.ZipFile(source) as old:
        data = json.loads(old.read("manifest.json"))
        if manifest:
            manifest(data)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as new:
            for item in old.infolist():
                if item.filename != "manifest.json" and item.filename not in drop:
                    new.writestr(item, old.read(item.filename))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we add on purpose
                for info, content in add:
                    new.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
            new.writestr("manifest.json", raw_manifest if raw_manifest is not None else json.dumps(data))
    return target


def entry(content: bytes) -> dict:
    return {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}


@contextlib.contextmanager
def file_size_limit(limit: int):
    """No file this process writes may grow past ``limit`` bytes (the write fails with EFBIG instead)."""
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the default action would kill the test run
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def assert_refused(site, archive: Path, *words: str) -> str:
    """Run import-backup on ``archive`` into ``site``; check it refused cleanly and left nothing."""
    result = site.test_cli_runner().invoke(args=["import-backup", str(archive)])
    # Alembic logs the schema check before the command runs; the refusal is the rest.
    lines = [line for line in result.output.strip().splitlines() if not line.startswith("INFO  [alembic")]
    assert result.exit_code == 1, result.output
    # A ClickException ends in SystemExit; anything else is an unhandled error (a traceback for a user).
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]
    assert files_under(Path(site.config["MEDIA_ROOT"])) == []
    with site.app_context():
        assert db.session.execute(db.select(db.func.count(Author.id))).scalar() == 0
        assert db.session.execute(db.select(db.func.count(MediaFile.id))).scalar() == 0
    return lines[0]


def test_a_zip_bomb_is_refused_before_a_byte_is_written(app, runner, make_app, tmp_path):
    """A 200 MB entry compressed to a few hundred KB, listed in the manifest as 10 bytes."""
    source = export(app, runner, tmp_path)
    lie = entry(b"0123456789")
    bomb = rebuild(source, tmp_path / "bomb.zip",
                   manifest=lambda m: m["media"].update({"covers/bomb.jpg": lie}),
                   add=[("media/covers/bomb.jpg", bytes(BOMB_BYTES))])
    assert bomb.stat().st_size < 2 * 1024 * 1024
    restored = make_app("restored")
    started = time.monotonic()
    with file_size_limit(4 * 1024 * 1024):  # writing the bomb out would fail here, not fill the disk
        message = assert_refused(restored, bomb, "media/covers/bomb.jpg", "manifest")
    assert time.monotonic() - started < 5, "the bomb was decompressed"
    assert "10" in message


def test_an_entry_longer_than_its_manifest_size_stops_at_the_first_byte_over(tmp_path):
    """The streaming check itself, for archives whose zip headers agree with a lying manifest."""
    class Endless(io.RawIOBase):
        read_so_far = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"x" * len(buffer)
            self.read_so_far += len(buffer)
            return len(buffer)

    from podcaster.content.backup import BackupError, copy_exactly

    source = Endless()
    with open(tmp_path / "out", "wb") as out, pytest.raises(BackupError, match="longer than the 10 bytes"):
        copy_exactly(source, out, 10, hashlib.sha256(), "media/x")
    assert (tmp_path / "out").stat().st_size <= 10
    assert source.read_so_far <= 11


def test_the_total_size_limit_is_checked_before_writing(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    restored = make_app("restored")
    restored.config["BACKUP_MAX_BYTES"] = 1000
    assert_refused(restored, source, "BACKUP_MAX_BYTES")


def test_manifest_sizes_must_match_the_zip_headers(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)

    def shrink(manifest):
        first = next(iter(manifest["media"]))
        manifest["media"][first]["size"] -= 1

    assert_refused(make_app("restored"), rebuild(source, tmp_path / "x.zip", manifest=shrink), "manifest")


@pytest.mark.parametrize("relative", [
    "../../evil.txt", "covers/../../../evil.txt", "/tmp/evil.txt", "covers\\..\\..\\evil.txt", "C:/evil.txt",
    "covers//evil.txt", "covers/./evil.txt", "covers/.upload-0123.part", "covers/evil\x00.txt",
])
def test_unsafe_paths_are_refused(app, runner, make_app, tmp_path, relative):
    source = export(app, runner, tmp_path)
    content = b"owned"
    hostile = rebuild(source, tmp_path / "hostile.zip",
                      manifest=lambda m: m["media"].update({relative: entry(content)}),
                      add=[(zipfile.ZipInfo("media/" + relative), content)])
    assert_refused(make_app("restored"), hostile, "unsafe")
    assert not (tmp_path / "evil.txt").exists()


def test_an_absolute_entry_name_outside_media_is_refused(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    hostile = rebuild(source, tmp_path / "hostile.zip", add=[(zipfile.ZipInfo("/etc/evil"), b"x")])
    assert_refused(make_app("restored"), hostile, "/etc/evil")


def test_a_symlink_entry_is_refused(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    target = b"/etc/passwd"
    link = zipfile.ZipInfo("media/covers/link.jpg")
    link.create_system = 3  # Unix
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    hostile = rebuild(source, tmp_path / "link.zip",
                      manifest=lambda m: m["media"].update({"covers/link.jpg": entry(target)}),
                      add=[(link, target)])
    assert_refused(make_app("restored"), hostile, "symbolic link", "media/covers/link.jpg")


def test_duplicate_entries_are_refused(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    with zipfile.ZipFile(source) as opened:
        name = next(n for n in opened.namelist() if n.startswith("media/covers/"))
        content = opened.read(name)
    hostile = rebuild(source, tmp_path / "dup.zip", drop={name}, add=[(name, b"evil"), (name, content)])
    assert_refused(make_app("restored"), hostile, "more than once", name)


def test_names_differing_only_in_case_are_duplicates(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    with zipfile.ZipFile(source) as opened:
        name = next(n for n in opened.namelist() if n.startswith("media/covers/"))
        content = opened.read(name)
    twin = name[:-4] + name[-4:].upper()
    hostile = rebuild(source, tmp_path / "case.zip",
                      manifest=lambda m: m["media"].update({twin[len("media/"):]: entry(content)}),
                      add=[(twin, content)])
    assert_refused(make_app("restored"), hostile, "more than once")


def test_entries_not_in_the_manifest_are_refused(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    hostile = rebuild(source, tmp_path / "extra.zip", add=[("media/covers/extra.jpg", b"not listed")])
    assert_refused(make_app("restored"), hostile, "media/covers/extra.jpg", "not in the manifest")


def test_manifest_entries_missing_from_the_archive_are_refused(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    with zipfile.ZipFile(source) as opened:
        name = next(n for n in opened.namelist() if n.startswith("media/photos/"))
    assert_refused(make_app("restored"), rebuild(source, tmp_path / "missing.zip", drop={name}),
                   name, "missing")


@pytest.mark.parametrize("raw", [
    b"not json", b"[]", b'{"format": 1, "media": [], "tables": {}}',
    b'{"format": 1, "media": {"a.jpg": {"size": "big", "sha256": "x"}}, "tables": {}}',
    b'{"format": 1, "media": {"a.jpg": {"size": -1, "sha256": "' + b"0" * 64 + b'"}}}',
])
def test_a_malformed_manifest_is_refused(app, runner, make_app, tmp_path, raw):
    source = export(app, runner, tmp_path)
    assert_refused(make_app("restored"), rebuild(source, tmp_path / "bad.zip", raw_manifest=raw), "manifest")


def test_a_bomb_in_a_data_file_is_refused(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    restored = make_app("restored")
    restored.config["BACKUP_MAX_BYTES"] = 10 * 1024 * 1024
    hostile = rebuild(source, tmp_path / "data-bomb.zip", drop={"data/tag.json"},
                      add=[("data/tag.json", b"[" + b" " * BOMB_BYTES + b"]")])
    assert_refused(restored, hostile, "BACKUP_MAX_BYTES")


@pytest.mark.parametrize("rows", [b"{not json", b'{"a": 1}', b'[{"no_such_column": 1}]', b"[1, 2]"])
def test_unusable_records_are_refused_and_no_file_is_kept(app, runner, make_app, tmp_path, rows):
    source = export(app, runner, tmp_path)
    hostile = rebuild(source, tmp_path / "rows.zip", drop={"data/tag.json"}, add=[("data/tag.json", rows)])
    assert_refused(make_app("restored"), hostile, "data/tag.json")


@pytest.mark.parametrize("change, words", [
    ({"mime_type": "text/html"}, "text/html"),
    ({"path": "covers/elsewhere.jpg"}, "not in the manifest"),
])
def test_media_rows_must_match_the_archive_and_a_stored_type(app, runner, make_app, tmp_path, change, words):
    """/media serves a file with its row's type: a restored row cannot turn an image into a page."""
    source = export(app, runner, tmp_path)
    with zipfile.ZipFile(source) as opened:
        rows = json.loads(opened.read("data/media_file.json"))
    rows[0].update(change)
    hostile = rebuild(source, tmp_path / "rows.zip", drop={"data/media_file.json"},
                      add=[("data/media_file.json", json.dumps(rows).encode())])
    assert_refused(make_app("restored"), hostile, "data/media_file.json", words)


def test_records_the_database_refuses_leave_nothing(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    with zipfile.ZipFile(source) as opened:
        tags = json.loads(opened.read("data/tag.json"))
    hostile = rebuild(source, tmp_path / "rows.zip", drop={"data/tag.json"},
                      add=[("data/tag.json", json.dumps(tags + tags).encode())])  # the same primary key twice
    assert_refused(make_app("restored"), hostile, "could not be restored")


def test_a_checksum_mismatch_removes_the_temporary_files(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)

    def corrupt(manifest):
        last = list(manifest["media"])[-1]
        manifest["media"][last]["sha256"] = "0" * 64

    assert_refused(make_app("restored"), rebuild(source, tmp_path / "sum.zip", manifest=corrupt), "checksum")


def test_a_good_archive_still_restores(app, runner, make_app, tmp_path):
    source = export(app, runner, tmp_path)
    restored = make_app("restored")
    result = restored.test_cli_runner().invoke(args=["import-backup", str(source)])
    assert result.exit_code == 0, result.output
    assert files_under(Path(restored.config["MEDIA_ROOT"])) == files_under(Path(app.config["MEDIA_ROOT"]))


def test_a_restore_retires_the_pages_a_running_site_cached(app, runner, make_app, tmp_path):
    """The restore writes its rows past the ORM's events; pages this process rendered before are not served after."""
    source = export(app, runner, tmp_path)
    restored = make_app("restored")
    client = restored.test_client()
    empty_home = client.get("/").get_data()
    assert client.get("/").get_data() == empty_home
    result = restored.test_cli_runner().invoke(args=["import-backup", str(source)])
    assert result.exit_code == 0, result.output
    assert client.get("/").get_data() == app.test_client().get("/").get_data() != empty_home
