"""The lean path's own cost per request, in process: no server, no socket, no test client.

    .venv/bin/python bench/lean.py [--episodes 1000] [--requests 2000] [--profile "feed gzip"]

Builds the same throwaway site as bench/servers.py, then calls the app's WSGI callable (the lean
path, web/fast.py) ``--requests`` times per scenario with a fixed environ and a ``start_response``
that only keeps the status, iterating and closing the body as a server does. Prints, per scenario,
microseconds per request, SQL statements per request, and the ratio to a bare WSGI callable returning
the same gzip feed bytes (the floor: what any Python answer costs here). ``--profile`` prints the
cProfile of one scenario (top 25 functions by own time).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from servers import AUDIO, FEED, PAGE, make_app, prepare


def environ_for(path: str, headers: dict[str, str]) -> dict:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
               "HTTP_USER_AGENT": "AntennaPod/3.4.0", "HTTP_HOST": "127.0.0.1:8000"}
    environ.update({"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()})
    return environ


def run(app, environ: dict, requests: int) -> tuple[float, str]:
    """Seconds for ``requests`` calls of ``app`` with ``environ``, and the last status."""
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    started = time.perf_counter()
    for _ in range(requests):
        body = app(dict(environ), start_response)
        for block in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return time.perf_counter() - started, statuses[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--mib", type=int, default=10)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", default="", help="a scenario label to profile")
    args = parser.parse_args()
    from tests.helpers.queries import counting_statements

    size = args.mib * 1024 * 1024
    middle = size // 2
    scenarios = [
        ("feed gzip", FEED, {"Accept-Encoding": "gzip"}),
        ("feed plain", FEED, {}),
        ("feed 304", FEED, None),  # If-None-Match filled in below
        ("64 KiB range", "/media/" + AUDIO, {"Range": f"bytes={middle}-{middle + 65535}"}),
        ("media 304", "/media/" + AUDIO, None),
        ("cached page", PAGE, {}),
    ]
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp)
        prepare(root, args.episodes, args.mib)
        app = make_app()
        lean = app.wsgi_app
        captured = {}

        def keep(status, headers, exc_info=None):
            captured.update(headers)

        for path in (FEED, PAGE, "/media/" + AUDIO):  # build the feed, render the page
            for _ in range(2):
                list(lean(environ_for(path, {"Accept-Encoding": "gzip"}), keep))
        list(lean(environ_for(FEED, {"Accept-Encoding": "gzip"}), keep))
        feed_etag = captured["ETag"]
        gzip_bytes = b"".join(lean(environ_for(FEED, {"Accept-Encoding": "gzip"}), keep))
        list(lean(environ_for("/media/" + AUDIO, {}), keep))
        media_etag = captured["ETag"]
        fixed_headers = [("Content-Type", "application/rss+xml"), ("Content-Length", str(len(gzip_bytes))),
                         ("Content-Encoding", "gzip")]

        def bare(environ, start_response):
            start_response("200 OK", fixed_headers)
            return [gzip_bytes]

        floor, _ = run(bare, environ_for(FEED, {}), args.requests)
        print(f"{args.requests} requests per row through the WSGI callable, {args.episodes}-episode feed "
              f"({len(gzip_bytes)} gzip bytes); bare callable {floor / args.requests * 1e6:.1f} us/request")
        print(f"{'scenario':16}{'status':>8}{'us/req':>9}{'SQL/req':>9}{'x bare':>8}")
        for label, path, headers in scenarios:
            if headers is None:
                headers = {"If-None-Match": feed_etag if path == FEED else media_etag}
            environ = environ_for(path, headers)
            run(lean, environ, 50)  # warm
            with counting_statements(app) as log:
                run(lean, environ, 100)
            statements = len(log) / 100
            if label == args.profile:
                profile = cProfile.Profile()
                profile.enable()
            seconds, status = run(lean, environ, args.requests)
            if label == args.profile:
                profile.disable()
                profiled = io.StringIO()
                pstats.Stats(profile, stream=profiled).sort_stats("tottime").print_stats(25)
            print(f"{label:16}{status.split()[0]:>8}{seconds / args.requests * 1e6:9.1f}{statements:9.2f}"
                  f"{seconds / floor:8.1f}")
        if args.profile:
            print(profiled.getvalue())
        recorder = app.extensions.get("podcaster.hit_recorder")
        if recorder is not None:
            recorder.flush()  # the listener hits, while the database is still there
        with app.app_context():
            from podcaster.extensions import db
            db.engine.dispose()
    os.environ.pop("BENCH_ROOT", None)


if __name__ == "__main__":
    main()
