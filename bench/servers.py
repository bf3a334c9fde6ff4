"""The embedded server, chosen by measuring: gunicorn (gthread) and granian against nginx, same bytes.

    .venv/bin/python bench/servers.py [--episodes 1000] [--mib 200] [--seconds 5]

Builds a throwaway SQLite site (a show of ``--episodes`` episodes, one ``--mib`` MiB audio file
with its row, demo-like pages), then serves it on 127.0.0.1 three ways, each with one worker:
gunicorn gthread (8 threads, as ``podcaster run``), granian (WSGI, 8 blocking threads), and nginx
serving the very same bytes from files (the feed as built by the app, plain and through
``gzip_static``; the audio file; the cached page as the app rendered it; robots.txt). Load is
``wrk -t1`` over keep-alive connections (8 connections; 1 for whole files), bounded by --seconds.

Every request to the app goes through the lean path (web/fast.py) except /robots.txt, which is a
plain Flask view: the issue's target is "a cached page costs at most 2x /robots.txt" on the same
server. Ranges are one fixed 64 KiB range in the middle of the file (the page cache is warm on
every side, as it is for a popular episode).

The ceiling: each server also runs a bare WSGI callable returning the gzip feed's bytes with fixed
headers (``make_bare``), measured against nginx's gzip row: no Python server can serve the app faster.
With ``--profile SECONDS`` and py-spy installed, the gunicorn worker serving that bare callable is
sampled for that long under the same load, and the functions holding its time are printed.
granian is optional: without it (``pip install granian``) its rows are left out with one line saying so.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _server import free_port, stop, wait_for_port, write_random_file, wrk
from _server import start_nginx as start_nginx_with

NOW = datetime(2026, 6, 1, 12, 0, 0)
SLUG = "bench-show"
AUDIO = f"audio/{SLUG}/long.mp3"
FEED = f"/podcasts/{SLUG}/feed.xml"
PAGE = f"/podcasts/{SLUG}"


def make_app():
    """The app as served (gunicorn ``servers:make_app()``, granian ``--factory servers:make_app``)."""
    from podcaster import create_app

    root = Path(os.environ["BENCH_ROOT"])
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite'}",
                      "MEDIA_ROOT": str(root / "media"), "SITE_URL": "https://bench.example",
                      "ANALYTICS": os.environ.get("BENCH_ANALYTICS", "on") == "on"})
    app.config["CLOCK"] = lambda: NOW
    return app


def make_bare():
    """A WSGI callable returning the gzip feed's bytes with fixed headers: the ceiling of a Python server."""
    body = (Path(os.environ["BENCH_ROOT"]) / "static" / "feed.xml.gz").read_bytes()
    headers = [("Content-Type", "application/rss+xml; charset=utf-8"), ("Content-Length", str(len(body))),
               ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]

    def bare(environ, start_response):
        start_response("200 OK", headers)
        return [body]

    return bare


def prepare(root: Path, episodes: int, mib: int) -> None:
    """The schema, a show with ``episodes`` episodes, and one real ``mib`` MiB file with its row."""
    os.environ["BENCH_ROOT"] = str(root)
    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db
    from podcaster.models import Author, Episode, MediaFile, Show, ShowAuthor

    sha256 = write_random_file(root / "media" / AUDIO, mib)
    app = make_app()
    with app.app_context():
        upgrade_schema()
        author = Author(name="Ada Quill", slug="ada-quill")
        show = Show(title="The Bench Show", slug=SLUG, description="A show about **books**.",
                    category="Arts", subcategory="Books", author_name="Ada Quill", owner_name="Ada Quill",
                    owner_email="ada@example.com", copyright="© Ada Quill")
        show.credits.append(ShowAuthor(author=author))
        db.session.add(show)
        for number in range(1, episodes + 1):
            audio = MediaFile(path=AUDIO if number == episodes else f"audio/{SLUG}/e{number}.mp3",
                              size=mib * 1024 * 1024 if number == episodes else 40_000_000,
                              mime_type="audio/mpeg", kind="audio",
                              sha256=sha256 if number == episodes else "0" * 64)
            db.session.add(Episode(
                show=show, title=f"Episode {number}: a conversation", slug=f"episode-{number}",
                notes=f"In episode **{number}** we talk about [a book](https://example.com/{number}).",
                audio=audio, duration=3600, season=1, number=number, status="published",
                publish_at=NOW - timedelta(days=episodes - number + 1)))
        db.session.commit()
        db.engine.dispose()


def granian_installed() -> bool:
    return importlib.util.find_spec("granian") is not None and Path(sys.executable).with_name("granian").exists()


def start_app(server: str, root: Path, factory: str = "make_app") -> tuple[subprocess.Popen, int]:
    port = free_port()
    bench = Path(__file__).resolve().parent
    if server == "gunicorn":
        args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--worker-class", "gthread", "--threads", "8", "--keep-alive", "30",
                "--pythonpath", f"{bench},{bench.parent}", f"servers:{factory}()"]
    else:
        args = [str(Path(sys.executable).with_name("granian")), "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(port), "--workers", "1", "--blocking-threads", "8", "--factory",
                "--working-dir", str(bench), f"servers:{factory}"]
    log = open(root / f"{server}-{factory}.log", "wb")  # noqa: SIM115 (kept open for the server's life)
    process = subprocess.Popen(args, env={**os.environ, "BENCH_ROOT": str(root),
                                          "PYTHONPATH": f"{bench}:{bench.parent}"},
                               stdout=subprocess.DEVNULL, stderr=log)
    wait_for_port(port, process)
    return process, port


def fetch(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read(), dict(response.headers)


def load(port: int, path: str, headers: dict[str, str], seconds: float, connections: int = 8,
         by_bytes: bool = False) -> float:
    """Requests per second (or MiB per second with ``by_bytes``) that wrk reached."""
    requests, mib = wrk(f"http://127.0.0.1:{port}{path}", headers, seconds, connections)
    return mib if by_bytes else requests


#: Where a gthread worker's time goes, by the frames a sample's stack holds (gunicorn 23's names).
_WORKER_PARTS = [
    ("main thread: the event loop (epoll, accept, keep-alive queue, handing work to the pool)",
     ("ThreadWorker.run (",)),
    ("pool threads: one request, read to written (ThreadWorker.handle)", ("ThreadWorker.handle (",)),
    ("  reading and parsing the request (gunicorn/http/message.py, parser.py, unreader.py)",
     ("gunicorn/http/message.py", "gunicorn/http/parser.py", "gunicorn/http/unreader.py")),
    ("  building the WSGI environ (gunicorn/http/wsgi.py create)", ("create (gunicorn/http/wsgi.py",)),
    ("  the WSGI callable itself", ("bare (servers.py",)),
    ("  writing headers and body to the socket (wsgi.py Response.write/close, util.write)",
     ("Response.write (gunicorn/http/wsgi.py", "Response.close (gunicorn/http/wsgi.py", "write (gunicorn/util.py")),
    ("  the thread pool's own work (futures, conditions)", ("concurrent/futures/", "Condition.")),
]


def profile_worker(master: subprocess.Popen, port: int, path: str, headers: dict[str, str], seconds: float,
                   root: Path) -> None:
    """Sample gunicorn's worker with py-spy while wrk loads it, and print where its time goes."""
    from _server import children

    py_spy = Path(sys.executable).with_name("py-spy")
    if not py_spy.exists():
        print("py-spy is not installed in this environment (pip install py-spy): no worker profile")
        return
    worker = children(master.pid)[0]
    raw = root / "worker-profile.txt"
    sampler = subprocess.Popen([str(py_spy), "record", "--pid", str(worker), "--duration", str(int(seconds)),
                                "--rate", "250", "--format", "raw", "--threads", "--gil", "--output", str(raw)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    requests = load(port, path, headers, seconds, 8)
    sampler.wait(timeout=seconds + 60)
    stacks, own, total = [], collections.Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")[1:]  # the first is the thread
        stacks.append((frames, int(count)))
        total += int(count)
        if frames:
            own[frames[-1]] += int(count)
    # --gil: only the thread holding the GIL is sampled, so the shares add up to the worker's Python time
    # (threads waiting for a request, or for the GIL, are not counted).
    print(f"gunicorn gthread worker serving the bare callable: {requests:.0f} req/s under py-spy, "
          f"{total} samples of the thread holding the GIL; share of samples inside:")
    for label, marks in _WORKER_PARTS:
        count = sum(number for frames, number in stacks if any(mark in frame for frame in frames for mark in marks))
        print(f"    {100 * count / total:5.1f} %  {label}")
    print("  own time, top functions:")
    for frame, count in own.most_common(12):
        print(f"    {100 * count / total:5.1f} %  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--mib", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--servers", default="gunicorn,granian")
    parser.add_argument("--profile", type=float, default=0,
                        help="seconds to sample gunicorn's worker serving the bare callable with py-spy")
    parser.add_argument("--analytics", choices=("on", "off"), default="on",
                        help="count listener downloads on the media route (the default) or not")
    args = parser.parse_args()
    os.environ["BENCH_ANALYTICS"] = args.analytics
    if not shutil.which("wrk"):
        raise SystemExit("bench/servers.py needs wrk (apt-get install wrk)")
    size = args.mib * 1024 * 1024
    middle = size // 2
    range_header = {"Range": f"bytes={middle}-{middle + 65535}"}
    scenarios = [  # label, app path, nginx path, headers, connections, bytes per response (for MiB/s)
        ("feed plain", FEED, "/static/feed.xml", {}, 8),
        ("feed gzip", FEED, "/gzip/feed.xml", {"Accept-Encoding": "gzip"}, 8),
        ("64 KiB ranges", "/media/" + AUDIO, "/media/" + AUDIO, range_header, 8),
        ("full file", "/media/" + AUDIO, "/media/" + AUDIO, {}, 1),
        ("cached page", PAGE, "/static/page.html", {}, 8),
        ("robots.txt", "/robots.txt", "/static/robots.txt", {}, 8),
    ]
    servers = [name for name in args.servers.split(",") if name]
    if "granian" in servers and not granian_installed():
        print("granian is not installed in this environment (pip install granian): its rows are left out")
        servers.remove("granian")
    results: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # nginx's worker runs as an unprivileged user
        prepare(root, args.episodes, args.mib)
        processes = {}
        try:
            for name in servers:
                processes[name] = start_app(name, root)
            first = processes[servers[0]][1]
            static = root / "static"
            static.mkdir()
            for nginx_name, app_path in (("feed.xml", FEED), ("page.html", PAGE), ("robots.txt", "/robots.txt")):
                fetch(first, app_path)  # build / render once
                status, body, _headers = fetch(first, app_path)
                assert status == 200, (app_path, status)
                (static / nginx_name).write_bytes(body)
            (static / "feed.xml.gz").write_bytes(gzip.compress((static / "feed.xml").read_bytes(), 6, mtime=0))
            nginx_port = free_port()
            nginx = start_nginx_with(root, nginx_port, "application/rss+xml xml; text/html html; text/plain txt;"
                                     " audio/mpeg mp3;", f"""
                location /static/ {{ alias {static}/; }}
                location /gzip/ {{ alias {static}/; gzip_static always; gunzip off; }}
                location /media/ {{ alias {root}/media/; }}""")
            processes["nginx"] = (nginx, nginx_port)
            for name in servers:  # the ceiling: the same gzip bytes from a bare callable
                processes[name + " bare"] = start_app(name, root, "make_bare")
            scenarios.append(("bare callable", "/", "/gzip/feed.xml", {"Accept-Encoding": "gzip"}, 8))
            for label, app_path, nginx_path, headers, connections in scenarios:
                seconds = args.seconds
                for name in ["nginx", *servers]:
                    port = processes[name + " bare" if label == "bare callable" and name != "nginx" else name][1]
                    path = nginx_path if name == "nginx" else app_path
                    by_bytes = label == "full file"
                    load(port, path, headers, 1, connections, by_bytes)  # warm up
                    results[label, name] = load(port, path, headers, seconds, connections, by_bytes)
            if args.profile and "gunicorn" in servers:
                master, port = processes["gunicorn bare"]
                profile_worker(master, port, "/", {"Accept-Encoding": "gzip"}, args.profile, root)
        finally:
            for process, _port in processes.values():
                stop(process)

    print(f"one worker each, wrk -t1 keep-alive, {args.seconds:.0f} s per figure, {args.episodes}-episode feed, "
          f"{args.mib} MiB file; req/s (full file: MiB/s) and ratio to nginx")
    print(f"{'scenario':16}{'nginx':>10}" + "".join(f"{name:>12}{'ratio':>7}" for name in servers))
    for label, *_ in scenarios:
        reference = results[label, "nginx"]
        row = f"{label:16}{reference:10.0f}"
        for name in servers:
            row += f"{results[label, name]:12.0f}{results[label, name] / reference:7.2f}"
        print(row)
    for name in servers:
        page, robots = results["cached page", name], results["robots.txt", name]
        print(f"{name}: a cached page costs {robots / page:.2f}x /robots.txt (target <= 2x)")


if __name__ == "__main__":
    main()
