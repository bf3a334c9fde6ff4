"""``podcaster media migrate``, ``doctor``, ``export`` and ``import-backup`` with media in an S3 bucket.

Against the real Swift test server: every file copied and verified, rows switched one by one, a re-run
after an interruption finishing the work and changing nothing already done.
"""
from __future__ import annotations

import zipfile

from podcaster.content.storage_s3 import remote_store_from_config
from podcaster.extensions import db
from podcaster.models import MediaFile

from ..helpers.authoring import seed_site
from ..helpers.media import media_contents, media_files, stored_bytes


def rows(app) -> dict[str, str]:
    with app.app_context():
        return {row.path: row.stored_in for row in db.session.execute(db.select(MediaFile)).scalars()}


def test_migrate_to_s3_and_back_verifies_each_file_and_is_idempotent(app, runner, s3_settings):
    seed_site(app)
    before = media_contents(app)
    app.config.update(s3_settings)
    first_path = sorted(before)[0]
    with app.app_context():  # an earlier run was stopped after its first file
        row = db.session.execute(db.select(MediaFile).where(MediaFile.path == first_path)).scalar_one()
        remote_store_from_config(app.config).upload(
            remote_store_from_config(app.config).path_of(row.path), row.path, sha256=row.sha256,
            size=row.size, content_type=row.mime_type)
        row.stored_in = "s3"
        db.session.commit()

    result = runner.invoke(args=["media", "migrate", "--to", "s3"])
    assert result.exit_code == 0, result.output
    assert f"/{len(before)}] {first_path}: already there" in result.output  # its local copy removed too
    assert result.output.count("copied and verified") == len(before) - 1
    assert "set PODCASTER_MEDIA_BACKEND=s3" in result.output
    assert set(rows(app).values()) == {"s3"} and media_files(app) == []
    assert {path: stored_bytes(app, path) for path in before} == before
    assert runner.invoke(args=["doctor"]).exit_code == 0

    again = runner.invoke(args=["media", "migrate", "--to", "s3"])
    assert again.exit_code == 0 and f"0 moved, {len(before)} already there, 0 failed." in again.output

    back = runner.invoke(args=["media", "migrate", "--to", "local"])
    assert back.exit_code == 0, back.output
    assert set(rows(app).values()) == {"local"} and media_contents(app) == before
    store = remote_store_from_config(app.config)
    assert all(store.head(path) is None for path in before)  # nothing left behind in the bucket


def test_migrate_without_a_bucket_is_one_line_and_status_1(app, runner):
    result = runner.invoke(args=["media", "migrate", "--to", "s3"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: no bucket configured: set PODCASTER_S3_BUCKET (and the other PODCASTER_S3_*)"]


def test_doctor_heads_each_object(app, runner, s3_settings):
    seed_site(app)
    app.config.update(s3_settings)
    assert runner.invoke(args=["media", "migrate", "--to", "s3"]).exit_code == 0
    store = remote_store_from_config(app.config)
    missing, changed = sorted(rows(app))[:2]
    store.delete_object(missing)
    store.client.put_object(Bucket=store.bucket, Key=changed, Body=b"other bytes", Metadata={"sha256": "0" * 64})
    result = runner.invoke(args=["doctor", "--quick"])
    assert result.exit_code == 1
    assert f"error: missing-object: {missing}:" in result.output
    assert f"error: size-mismatch: {changed}:" in result.output


def test_export_from_s3_and_import_into_s3(app, runner, make_app, tmp_path, s3_settings, s3_server):
    from ..helpers.s3 import new_bucket_settings

    seed_site(app)
    before = media_contents(app)
    app.config.update(MEDIA_BACKEND="s3", **s3_settings)
    assert runner.invoke(args=["media", "migrate", "--to", "s3"]).exit_code == 0
    archive = tmp_path / "backup.zip"
    result = runner.invoke(args=["export", str(archive)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as opened:
        assert {name.removeprefix("media/"): opened.read(name) for name in opened.namelist()
                if name.startswith("media/")} == before

    restored = make_app("restored")
    restored.config.update(MEDIA_BACKEND="s3", **new_bucket_settings(s3_server))
    restore = restored.test_cli_runner().invoke(args=["import-backup", str(archive)])
    assert restore.exit_code == 0, restore.output
    assert f"Sent {len(before)} media files to the bucket." in restore.output
    assert set(rows(restored).values()) == {"s3"} and media_files(restored) == []
    assert {path: stored_bytes(restored, path) for path in before} == before
    assert restored.test_cli_runner().invoke(args=["doctor"]).exit_code == 0
