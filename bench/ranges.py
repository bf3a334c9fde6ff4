"""Byte-range and full-file serving through gunicorn (the app's own sendfile path) against nginx.

    /tmp/venv/bin/python bench/ranges.py [--mib 200] [--seconds 6]

Builds one media file with its MediaFile row, then serves it three ways on
127.0.0.1: nginx reading the file directly (the reference), gunicorn (one sync
worker) running the app, and nginx in front of the app with
MEDIA_ACCEL_REDIRECT (the app checks the row, nginx sends the bytes). nginx
runs one worker process. A single client makes one request per connection
(gunicorn's sync worker does not keep connections alive, so neither side gets
to) and reads bodies into a reused buffer. Each scenario runs for a bounded
number of requests and seconds.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _server import free_port, start_gunicorn, stop, write_random_file
from _server import start_nginx as start_nginx_with

RELATIVE = "audio/bench-episode.mp3"


def make_app():
    """The app as deployed (gunicorn factory); MEDIA_ACCEL_REDIRECT comes from the environment."""
    from podcaster import create_app

    root = Path(os.environ["BENCH_ROOT"])
    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite'}",
                       "MEDIA_ROOT": str(root / "media"),
                       "MEDIA_ACCEL_REDIRECT": os.environ.get("BENCH_ACCEL", "")})


def prepare(root: Path, mib: int) -> int:
    """Write the media file and its row; return its size."""
    from podcaster import create_app
    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db
    from podcaster.models import MediaFile

    sha256 = write_random_file(root / "media" / RELATIVE, mib)
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite'}",
                      "MEDIA_ROOT": str(root / "media")})
    with app.app_context():
        upgrade_schema()
        db.session.add(MediaFile(path=RELATIVE, size=mib * 1024 * 1024, sha256=sha256,
                                 mime_type="audio/mpeg", kind="audio"))
        db.session.commit()
    return mib * 1024 * 1024


def start_nginx(root: Path, port: int, app_port: int) -> subprocess.Popen:
    media = root / "media"
    return start_nginx_with(root, port, "audio/mpeg mp3;", f"""
        location /media/ {{ alias {media}/; }}
        location /app/ {{ proxy_pass http://127.0.0.1:{app_port}/; proxy_buffering off; }}
        location /_protected_media/ {{ internal; alias {media}/; }}""")



def run(port: int, path: str, size: int, range_bytes: int | None, max_requests: int, seconds: float,
        buffer: bytearray) -> tuple[float, float]:
    """Request ``path`` repeatedly; return (MiB/s, requests/s). Random ranges of ``range_bytes`` when given."""
    rng = random.Random(7)
    view = memoryview(buffer)
    received = requests = 0
    started = time.perf_counter()
    while requests < max_requests and time.perf_counter() - started < seconds:
        headers = {}
        expected_status = 200
        if range_bytes is not None:
            first = rng.randrange(0, size - range_bytes + 1)  # a range as long as the file starts at 0
            headers["Range"] = f"bytes={first}-{first + range_bytes - 1}"
            expected_status = 206
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        if response.status != expected_status:
            raise SystemExit(f"{path}: status {response.status}, expected {expected_status}")
        while count := response.readinto(view):
            received += count
        connection.close()
        requests += 1
    elapsed = time.perf_counter() - started
    return received / elapsed / 1024 / 1024, requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=6)
    args = parser.parse_args()
    if args.mib < 1:
        parser.error("--mib must be at least 1")

    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # nginx's worker runs as an unprivileged user
        size = prepare(root, args.mib)
        gunicorn, app_port = start_gunicorn("ranges:make_app()", {"BENCH_ROOT": tmp}, root / "gunicorn.log")
        accel_app, accel_port = start_gunicorn("ranges:make_app()", {"BENCH_ROOT": tmp,
                                                                    "BENCH_ACCEL": "/_protected_media/"},
                                               root / "gunicorn-accel.log")
        nginx_port = free_port()
        nginx = start_nginx(root, nginx_port, accel_port)
        buffer = bytearray(1024 * 1024)
        scenarios = [("full file", None, 40), ("64 MiB ranges", 64 * 1024 * 1024, 80),
                     ("1 MiB ranges", 1024 * 1024, 3000), ("64 KiB ranges", 64 * 1024, 5000)]
        # A range longer than the file cannot be asked for (the server would answer it with the whole file).
        skipped = [label for label, range_bytes, _ in scenarios if range_bytes is not None and range_bytes > size]
        scenarios = [scenario for scenario in scenarios if scenario[0] not in skipped]
        servers = [("nginx", nginx_port, "/media/"), ("gunicorn", app_port, "/media/"),
                   ("nginx+accel", nginx_port, "/app/media/")]
        results = {}
        try:
            for label, range_bytes, max_requests in scenarios:
                for name, port, prefix in servers:
                    run(port, prefix + RELATIVE, size, range_bytes, 3, 2, buffer)  # warm up
                    results[label, name] = run(port, prefix + RELATIVE, size, range_bytes, max_requests,
                                               args.seconds, buffer)
        finally:
            stop(nginx)
            stop(gunicorn)
            stop(accel_app)

    print(f"serving a {args.mib} MiB file on 127.0.0.1, one request per connection, up to {args.seconds} s each")
    if skipped:
        print(f"skipped (longer than the file): {', '.join(skipped)}")
    for label, _, _ in scenarios:
        reference = results[label, "nginx"]
        print(f"{label}:")
        for name, _, _ in servers:
            mib_s, req_s = results[label, name]
            print(f"  {name:12} {mib_s:8.1f} MiB/s {req_s:8.1f} req/s   {mib_s / reference[0]:.2f}x nginx")


if __name__ == "__main__":
    main()
