"""The media store writes atomically and never leaves partial files, on both backends.

The ``store`` fixture is the local folder or the S3 backend (against the real Swift test server);
an S3 store stages files in its local folder, and ``settle`` sends one to the bucket as a transfer does.
"""
from __future__ import annotations

import io

import pytest

from podcaster.content.storage import MediaStore, StorageError, TooLarge, start_writeback
from podcaster.content.storage_s3 import S3MediaStore

from ..helpers.media import files_under
from ..helpers.s3 import s3_store


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> MediaStore:
    if request.param == "local":
        return MediaStore(tmp_path)
    return s3_store(tmp_path, request.getfixturevalue("s3_settings"))


def settle(store: MediaStore, stored) -> None:
    """Send a stored file to the bucket and drop the local copy (nothing to do for the local folder)."""
    if isinstance(store, S3MediaStore):
        store.upload(store.path_of(stored.path), stored.path, sha256=stored.sha256, size=stored.size,
                     content_type="application/octet-stream")
        store.delete_local(stored.path)


def test_save_stream_stores_bytes_size_and_hash(tmp_path, store):
    stored = store.save_stream(io.BytesIO(b"hello world"), "audio/show/ep.mp3")
    assert stored.size == 11
    assert stored.sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    assert (tmp_path / "audio/show/ep.mp3").read_bytes() == b"hello world"
    assert files_under(tmp_path) == ["audio/show/ep.mp3"]


def test_too_large_stream_leaves_nothing(tmp_path, store):
    with pytest.raises(TooLarge):
        store.save_stream(io.BytesIO(b"x" * 5000), "a/big.bin", max_bytes=4096)
    assert files_under(tmp_path) == []


def test_failing_stream_leaves_nothing(tmp_path, store):
    class Broken(io.RawIOBase):
        calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls > 2:
                raise ConnectionResetError("client went away")
            return b"y" * 100

    with pytest.raises(ConnectionResetError):
        store.save_stream(Broken(), "a/partial.bin")
    assert files_under(tmp_path) == []


def test_existing_file_is_never_overwritten(tmp_path, store):
    store.save_bytes(b"first", "x/f.txt")
    with pytest.raises(StorageError):
        store.save_bytes(b"second", "x/f.txt")
    assert (tmp_path / "x/f.txt").read_bytes() == b"first"
    assert files_under(tmp_path) == ["x/f.txt"]


def test_unique_path_cleans_names_and_avoids_clashes(tmp_path, store):
    first = store.unique_path("covers", "../../My Cover (final).JPG")
    assert first == "covers/My_Cover_final.JPG"
    settle(store, store.save_bytes(b"1", first))  # in the bucket only: the name is still taken
    second = store.unique_path("covers", "My Cover (final).JPG")
    assert second != first and second.startswith("covers/My_Cover_final-") and second.endswith(".JPG")


def test_paths_cannot_leave_the_root(tmp_path):
    store = MediaStore(tmp_path / "root")
    with pytest.raises(StorageError):
        store.path_of("../outside.txt")


def test_stored_file_reads_back_then_deletes(tmp_path, store):
    stored = store.save_bytes(b"chapter one", "transcripts/show/ep.vtt")
    settle(store, stored)
    assert store.exists(stored.path)
    with store.open(stored.path) as handle:
        assert handle.read() == b"chapter one"
    with store.local_copy(stored.path) as copy:
        assert copy.read_bytes() == b"chapter one"
    assert files_under(tmp_path) == ([] if isinstance(store, S3MediaStore) else ["transcripts/show/ep.vtt"])
    store.delete(stored.path)
    store.delete(stored.path)  # already gone: not an error
    assert not store.exists(stored.path)
    assert files_under(tmp_path) == []


def test_large_upload_goes_in_verified_parts(tmp_path, s3_settings):
    store = s3_store(tmp_path, s3_settings, S3_PART_BYTES=5 * 1024 * 1024)
    data = bytes(range(256)) * (6 * 1024 * 1024 // 256)  # 6 MiB: two parts of S3's smallest size
    stored = store.save_bytes(data, "audio/show/long.mp3")
    store.upload(store.path_of(stored.path), stored.path, sha256=stored.sha256, size=stored.size,
                 content_type="audio/mpeg")
    answer = store.client.head_object(Bucket=store.bucket, Key=stored.path)
    assert answer["ETag"].strip('"').endswith("-2")  # a real multipart upload
    assert answer["ContentType"] == "audio/mpeg"
    assert store.head(stored.path).sha256 == stored.sha256 and store.head(stored.path).size == len(data)


def test_a_replaced_object_keeps_its_key_and_a_failed_replace_keeps_the_old_one(tmp_path, s3_settings):
    store = s3_store(tmp_path, s3_settings, S3_PART_BYTES=5 * 1024 * 1024)
    old = store.save_bytes(b"old bytes", "audio/show/ep.mp3")
    store.upload(store.path_of(old.path), old.path, sha256=old.sha256, size=old.size, content_type="audio/mpeg")
    data = bytes(range(256)) * (6 * 1024 * 1024 // 256)  # sent in two parts, then copied over the object
    new = store.save_bytes(data, "audio/show/new.mp3")

    with pytest.raises(StorageError, match="differs"):  # a transfer that does not verify
        store.replace_object(store.path_of(new.path), old.path, sha256=new.sha256, size=new.size + 1,
                             content_type="audio/mpeg")
    with store.open(old.path) as handle:  # listeners still get the old object, whole
        assert handle.read() == b"old bytes"

    store.replace_object(store.path_of(new.path), old.path, sha256=new.sha256, size=new.size,
                         content_type="audio/mpeg")
    assert store.head(old.path).sha256 == new.sha256 and store.head(old.path).size == len(data)
    assert store.client.head_object(Bucket=store.bucket, Key=old.path)["ContentType"] == "audio/mpeg"
    keys = [item["Key"] for item in store.client.list_objects_v2(Bucket=store.bucket)["Contents"]]
    assert keys == [old.path]  # no temporary key left behind


def test_upload_whose_check_fails_leaves_no_object(tmp_path, s3_settings):
    store = s3_store(tmp_path, s3_settings)
    stored = store.save_bytes(b"twelve bytes", "audio/show/ep.mp3")
    with pytest.raises(StorageError, match="differs"):  # the row's size is not the file's
        store.upload(store.path_of(stored.path), stored.path, sha256=stored.sha256, size=stored.size + 1,
                     content_type="audio/mpeg")
    assert store.head(stored.path) is None
    assert (tmp_path / stored.path).read_bytes() == b"twelve bytes"


def test_objects_are_private(tmp_path, s3_settings):
    import urllib.request

    store = s3_store(tmp_path, s3_settings)
    stored = store.save_bytes(b"secret", "audio/show/ep.mp3")
    settle(store, stored)
    grants = store.client.get_object_acl(Bucket=store.bucket, Key=stored.path)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's, nobody else's
    assert all("AllUsers" not in grant["Grantee"].get("URI", "") for grant in grants)
    with urllib.request.urlopen(store.presigned_url(stored.path, 60), timeout=10) as signed:
        assert signed.read() == b"secret"


def test_start_writeback_starts_on_a_written_file_and_never_raises(tmp_path):
    import os

    path = tmp_path / "data.bin"
    data = os.urandom(3 * 1024 * 1024)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        os.write(descriptor, data)
        assert start_writeback(descriptor, 0, len(data)) is True  # Linux: sync_file_range(2) through libc
    finally:
        os.close(descriptor)
    assert path.read_bytes() == data
    assert start_writeback(-1, 0, len(data)) is False  # not a descriptor: refused, not raised
