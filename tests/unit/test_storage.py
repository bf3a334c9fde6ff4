"""The media store writes atomically and never leaves partial files."""
from __future__ import annotations

import io

import pytest

from podcaster.content.storage import MediaStore, StorageError, TooLarge

from ..helpers.media import files_under


def test_save_stream_stores_bytes_size_and_hash(tmp_path):
    store = MediaStore(tmp_path)
    stored = store.save_stream(io.BytesIO(b"hello world"), "audio/show/ep.mp3")
    assert stored.size == 11
    assert stored.sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    assert (tmp_path / "audio/show/ep.mp3").read_bytes() == b"hello world"
    assert files_under(tmp_path) == ["audio/show/ep.mp3"]


def test_too_large_stream_leaves_nothing(tmp_path):
    store = MediaStore(tmp_path)
    with pytest.raises(TooLarge):
        store.save_stream(io.BytesIO(b"x" * 5000), "a/big.bin", max_bytes=4096)
    assert files_under(tmp_path) == []


def test_failing_stream_leaves_nothing(tmp_path):
    class Broken(io.RawIOBase):
        calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls > 2:
                raise ConnectionResetError("client went away")
            return b"y" * 100

    store = MediaStore(tmp_path)
    with pytest.raises(ConnectionResetError):
        store.save_stream(Broken(), "a/partial.bin")
    assert files_under(tmp_path) == []


def test_existing_file_is_never_overwritten(tmp_path):
    store = MediaStore(tmp_path)
    store.save_bytes(b"first", "x/f.txt")
    with pytest.raises(StorageError):
        store.save_bytes(b"second", "x/f.txt")
    assert (tmp_path / "x/f.txt").read_bytes() == b"first"
    assert files_under(tmp_path) == ["x/f.txt"]


def test_unique_path_cleans_names_and_avoids_clashes(tmp_path):
    store = MediaStore(tmp_path)
    first = store.unique_path("covers", "../../My Cover (final).JPG")
    assert first == "covers/My_Cover_final.JPG"
    store.save_bytes(b"1", first)
    second = store.unique_path("covers", "My Cover (final).JPG")
    assert second != first and second.startswith("covers/My_Cover_final-") and second.endswith(".JPG")


def test_paths_cannot_leave_the_root(tmp_path):
    store = MediaStore(tmp_path / "root")
    with pytest.raises(StorageError):
        store.path_of("../outside.txt")
