"""Multipart parsing alone: Werkzeug's parser against streaming-form-data (compiled), same body, same sink.

    .venv/bin/python bench/multipart.py [--mib 500] [--repeat 3]

The body is the episode form's shape (a few text fields, then one large audio part) built in memory
once; each parser reads it from a BytesIO in 1 MiB blocks (as web/uploads.py reads the request) and
writes the file part into a sink that only counts bytes, so the figure is the parser's own CPU cost,
the one thing that would change in web/uploads.py. The reference is a plain 1 MiB read loop over
the same body in the same run.
"""
from __future__ import annotations

import argparse
import io
import os
import time

BOUNDARY = "----podcasterbenchboundary7MA4YWxkTrZu0gW"


def body(mib: int) -> bytes:
    parts = []
    for name, value in (("csrf_token", "x" * 90), ("title", "An episode"), ("notes", "Some *notes*." * 20),
                        ("status", "published")):
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="audio"; filename="long.mp3"\r\n'
                 f"Content-Type: audio/mpeg\r\n\r\n".encode())
    block = os.urandom(1024 * 1024)
    parts.append(block * mib)
    parts.append(f"\r\n--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


class Sink(io.RawIOBase):
    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:  # Werkzeug rewinds each file part it wrote
        return 0


def read_only(data: bytes) -> int:
    stream, total = io.BufferedReader(io.BytesIO(data), buffer_size=1024 * 1024), 0
    while chunk := stream.read(1024 * 1024):
        total += len(chunk)
    return total


def werkzeug(data: bytes, buffer_size: int = 64 * 1024) -> int:
    """Werkzeug's MultiPartParser; 64 KiB is the buffer the app's FormDataParser uses (Werkzeug's default)."""
    from werkzeug.formparser import MultiPartParser

    sink = Sink()
    parser = MultiPartParser(stream_factory=lambda *args, **kwargs: sink, buffer_size=buffer_size)
    stream = io.BufferedReader(io.BytesIO(data), buffer_size=1024 * 1024)
    form, files = parser.parse(stream, BOUNDARY.encode(), len(data))
    assert form["title"] == "An episode" and "audio" in files
    return sink.size


def streaming_form_data(data: bytes) -> int:
    from streaming_form_data import StreamingFormDataParser
    from streaming_form_data.targets import BaseTarget, ValueTarget

    class CountTarget(BaseTarget):
        def __init__(self) -> None:
            super().__init__()
            self.size = 0

        def on_data_received(self, chunk: bytes) -> None:
            self.size += len(chunk)

    parser = StreamingFormDataParser(headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    title, audio = ValueTarget(), CountTarget()
    parser.register("title", title)
    parser.register("audio", audio)
    for name in ("csrf_token", "notes", "status"):
        parser.register(name, ValueTarget())
    stream = io.BufferedReader(io.BytesIO(data), buffer_size=1024 * 1024)
    while chunk := stream.read(1024 * 1024):
        parser.data_received(chunk)
    assert title.value == b"An episode"
    return audio.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = body(args.mib)
    results = {}
    for name, function in (("read only", read_only), ("werkzeug (64 KiB, as the app)", werkzeug),
                           ("werkzeug (256 KiB)", lambda data: werkzeug(data, 256 * 1024)),
                           ("streaming-form-data", streaming_form_data)):
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            function(data)
            times.append(time.perf_counter() - started)
        results[name] = min(times)
    print(f"parsing a {args.mib} MiB episode form body in 1 MiB reads, best of {args.repeat}")
    for name, seconds in results.items():
        print(f"  {name:30} {seconds:7.3f} s  {args.mib / seconds:8.0f} MiB/s  "
              f"{seconds / results['read only']:6.1f}x read only")


if __name__ == "__main__":
    main()
