"""podcaster doctor, export and import-backup on real files and databases."""
from __future__ import annotations

import os
import time
import zipfile

import pytest

from podcaster.extensions import db
from podcaster.models import Author, Book, MediaFile, Post

from ..helpers.authoring import seed_site
from ..helpers.media import media_contents


def test_doctor_is_clean_on_a_consistent_site(app, runner):
    seed_site(app)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output


def test_doctor_finds_missing_changed_and_unknown_files(app, runner):
    seed_site(app)
    root = app.config["MEDIA_ROOT"]
    with app.app_context():
        photo, cover = (db.session.execute(db.select(MediaFile).where(MediaFile.variant == "original")
                                           .order_by(MediaFile.id)).scalars().all())
        photo_path, cover_path = photo.path, cover.path
    os.remove(os.path.join(root, photo_path))
    with open(os.path.join(root, cover_path), "r+b") as handle:
        handle.seek(100)
        handle.write(b"\x00\x01\x02")
    stray = os.path.join(root, "audio", "stray.mp3")
    os.makedirs(os.path.dirname(stray))
    with open(stray, "wb") as handle:
        handle.write(b"not known")
    old = time.time() - 3600
    os.utime(stray, (old, old))

    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert f"missing-file: {photo_path}" in result.output
    assert f"checksum-mismatch: {cover_path}" in result.output
    assert "unknown-file: audio/stray.mp3" in result.output

    fixed = runner.invoke(args=["doctor", "--fix"])
    assert "unknown-file: audio/stray.mp3: a file no media row knows (fixed)" in fixed.output
    assert not os.path.exists(stray)
    assert fixed.exit_code == 1  # a missing file and a changed one still need a person


def test_doctor_removes_stale_partial_uploads_and_unused_rows(app, runner):
    seed_site(app)
    root = app.config["MEDIA_ROOT"]
    partial = os.path.join(root, "covers", ".upload-0123456789abcdef.part")
    with open(partial, "wb") as handle:
        handle.write(b"half an upload")
    old = time.time() - 7 * 3600
    os.utime(partial, (old, old))
    with app.app_context():
        book = db.session.execute(db.select(Book)).scalar_one()
        cover_paths = [book.cover.path] + [v.path for v in book.cover.variants]
        book.cover = None
        db.session.commit()
    result = runner.invoke(args=["doctor", "--fix"])
    assert result.exit_code == 0, result.output
    assert "stale-upload" in result.output and "unreferenced-row" in result.output
    assert not os.path.exists(partial)
    assert not any(os.path.exists(os.path.join(root, p)) for p in cover_paths)
    assert runner.invoke(args=["doctor"]).output.strip().endswith("agree.")


def test_doctor_treats_stale_files_in_the_incoming_folder_as_partial_uploads(app, runner):
    seed_site(app)
    incoming = os.path.join(app.config["MEDIA_ROOT"], "incoming")
    os.makedirs(incoming, exist_ok=True)
    old = time.time() - 7 * 3600
    for name in (".upload-0123456789abcdef.part", "left-behind.mp3"):
        with open(os.path.join(incoming, name), "wb") as handle:
            handle.write(b"half an upload")
        os.utime(os.path.join(incoming, name), (old, old))
    fresh = os.path.join(incoming, "arriving.mp3")
    with open(fresh, "wb") as handle:
        handle.write(b"still arriving")

    result = runner.invoke(args=["doctor", "--fix"])
    assert "stale-upload: incoming/.upload-0123456789abcdef.part" in result.output
    assert "stale-upload: incoming/left-behind.mp3" in result.output
    assert "unknown-file" not in result.output and "arriving.mp3" not in result.output
    assert os.listdir(incoming) == ["arriving.mp3"]  # an upload still arriving is left alone


def test_export_and_import_round_trip(app, runner, make_app, tmp_path):
    seed_site(app)
    archive = tmp_path / "site-backup.zip"
    result = runner.invoke(args=["export", str(archive)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as opened:
        assert "manifest.json" in opened.namelist()

    restored = make_app("restored")
    restore = restored.test_cli_runner().invoke(args=["import-backup", str(archive)])
    assert restore.exit_code == 0, restore.output
    assert media_contents(restored) == media_contents(app)
    for url in ("/",):
        assert restored.test_client().get(url).data == app.test_client().get(url).data
    with restored.app_context():
        book = db.session.execute(db.select(Book)).scalar_one()
        assert book.contributors[0].author.name == "Ada Quill"
        assert book.buy_links == [{"label": "Shop", "url": "https://shop.example/q"}]
        assert db.session.execute(db.select(Post)).scalar_one().tags[0].slug == "news"
        # New rows get fresh ids after a restore (PostgreSQL sequences moved past the restored ids).
        db.session.add(Author(name="New", slug="new"))
        db.session.commit()
    assert restored.test_cli_runner().invoke(args=["doctor"]).exit_code == 0

    again = restored.test_cli_runner().invoke(args=["import-backup", str(archive)])
    assert again.exit_code != 0 and "not empty" in again.output


def test_import_refuses_a_tampered_archive_and_leaves_nothing(app, runner, make_app, tmp_path):
    seed_site(app)
    archive = tmp_path / "backup.zip"
    runner.invoke(args=["export", str(archive)])
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("media/covers/"):
                data = data[:-10] + b"0123456789"
            target.writestr(item, data)
    restored = make_app("restored")
    result = restored.test_cli_runner().invoke(args=["import-backup", str(tampered)])
    assert result.exit_code != 0 and "checksum" in result.output
    assert media_contents(restored) == {}
    with restored.app_context():
        assert db.session.execute(db.select(db.func.count(Author.id))).scalar() == 0


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04 broken"])
def test_import_refuses_a_non_archive(make_app, tmp_path, content, app):
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(content)
    result = make_app("x").test_cli_runner().invoke(args=["import-backup", str(bogus)])
    assert result.exit_code != 0 and "not a backup archive" in result.output


def test_restored_site_serves_the_same_feed_and_media(app, runner, make_app, tmp_path):
    import re

    from ..helpers.feeds import NOW, make_show, set_clock

    make_show(app, episodes=3, scheduled=1, drafts=1)
    archive = tmp_path / "podcast-backup.zip"
    assert runner.invoke(args=["export", str(archive)]).exit_code == 0
    restored = make_app("restored")
    assert restored.test_cli_runner().invoke(args=["import-backup", str(archive)]).exit_code == 0
    for site in (app, restored):
        set_clock(site, NOW)
    original = app.test_client().get("/podcasts/quiet-page/feed.xml")
    copy = restored.test_client().get("/podcasts/quiet-page/feed.xml")
    assert original.status_code == copy.status_code == 200

    def without_build_date(data: bytes) -> bytes:
        return re.sub(rb"<lastBuildDate>[^<]*</lastBuildDate>", b"", data)

    assert without_build_date(copy.data) == without_build_date(original.data)
    assert copy.data.count(b"<item>") == 3
    audio = "/media/audio/quiet-page/episode-1.mp3"
    with restored.test_client().get(audio) as copied, app.test_client().get(audio) as kept:
        assert copied.status_code == 200 and copied.data == kept.data
