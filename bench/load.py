"""Load: feed, media ranges and public pages under concurrent clients, idle and during an upload.

Starts the site as `podcaster run` serves it (gunicorn, gthread workers) on 127.0.0.1 with demo content,
then runs the same bounded mix of requests twice: once idle, once while a large episode upload goes
through the admin form. Prints requests per second per kind, errors (target 0) and the ratio
upload/idle for each kind (the reference is the idle run of the same script).

    python bench/load.py --seconds 10 --clients 8 --upload-mib 200
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import PROJECT, free_port, stop, wait_for_port  # noqa: E402
from upload import Browser, make_mp3, post_episode  # noqa: E402

EMAIL, PASSWORD = "bench@example.com", "bench password 123"


def start_site(root: Path) -> tuple[subprocess.Popen, int, dict]:
    port = free_port()
    env = {**os.environ, "PODCASTER_DATABASE_URL": f"sqlite:///{root}/site.sqlite",
           "PODCASTER_MEDIA_ROOT": str(root / "media"), "PODCASTER_SECRET_KEY": "bench",
           "PODCASTER_SITE_URL": f"http://127.0.0.1:{port}"}
    podcaster = [sys.executable, "-m", "podcaster"]
    subprocess.run([*podcaster, "demo"], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run([*podcaster, "create-admin", EMAIL, "--password-stdin"], env=env, input=PASSWORD + "\n",
                   text=True, check=True, capture_output=True, timeout=60)
    process = subprocess.Popen(
        [*podcaster, "run", "--port", str(port), "--workers", "2"], env=env, cwd=PROJECT,
        stdout=subprocess.DEVNULL, stderr=open(root / "server.log", "wb"),
    )
    wait_for_port(port, process)
    return process, port, env


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def discover(port: int) -> dict:
    """Find a feed, an episode page, its audio file and the show's admin id from the public site."""
    status, sitemap = get(port, "/sitemap.xml")
    assert status == 200, "no sitemap"
    locations = [urlsplit(loc).path for loc in re.findall(rb"<loc>([^<]+)</loc>", sitemap) for loc in [loc.decode()]]
    episode = next(path for path in locations if re.fullmatch(r"/podcasts/[^/]+/[^/]+", path))
    show_slug = episode.split("/")[2]
    _, page = get(port, episode)
    audio = re.search(rb'<(?:audio|source)[^>]+src="([^"]+)"', page).group(1).decode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("HEAD", urlsplit(audio).path)
    size = int(connection.getresponse().getheader("Content-Length"))
    connection.close()
    return {"audio_size": size, "feed": f"/podcasts/{show_slug}/feed.xml", "episode": episode, "audio": urlsplit(audio).path,
            "pages": ["/", "/about", "/blog", "/books", episode], "show_slug": show_slug}


def client(port: int, targets: dict, stop_at: float, max_requests: int, counts: dict, lock: threading.Lock):
    rng = random.Random()
    done = 0
    while time.monotonic() < stop_at and done < max_requests:
        kind = rng.choice(["feed", "range", "page"])
        headers = {"Accept-Encoding": "gzip"}
        if kind == "feed":
            path = targets["feed"]
        elif kind == "range":
            path = targets["audio"]
            start = rng.randrange(0, max(1, targets["audio_size"] - 1))
            headers["Range"] = f"bytes={start}-{start + 65_535}"
        else:
            path = rng.choice(targets["pages"])
        try:
            status, _ = get(port, path, headers)
            ok = status in (200, 206)
        except OSError:
            ok = False
        done += 1
        with lock:
            counts[kind][0 if ok else 1] += 1


def run_mix(port: int, targets: dict, seconds: float, clients: int) -> tuple[dict, float]:
    counts = {kind: [0, 0] for kind in ("feed", "range", "page")}
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds
    threads = [threading.Thread(target=client, args=(port, targets, stop_at, 20_000, counts, lock))
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return counts, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--upload-mib", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="podcaster-load-") as folder:
        root = Path(folder)
        process, port, env = start_site(root)
        try:
            targets = discover(port)
            idle, idle_time = run_mix(port, targets, args.seconds, args.clients)

            source = root / "upload.mp3"
            make_mp3(source, args.upload_mib)
            browser = Browser(port)
            browser.login()
            _, admin = browser.request("GET", "/admin/shows/")
            show_id = int(re.search(rb"/admin/shows/(\d+)/", admin).group(1))
            upload_result: dict = {}

            def upload() -> None:
                try:
                    upload_result["seconds"] = post_episode(browser, show_id, source, "Load test upload")
                except BaseException as exc:  # reported below
                    upload_result["error"] = repr(exc)

            uploader = threading.Thread(target=upload)
            uploader.start()
            busy, busy_time = run_mix(port, targets, args.seconds, args.clients)
            uploader.join(timeout=600)
        finally:
            stop(process)

    print(f"{args.clients} clients, {args.seconds:.0f} s per phase, 2 gthread workers x 8 threads")
    print(f"{'kind':<8}{'idle req/s':>12}{'upload req/s':>14}{'ratio':>8}{'errors':>8}")
    total_errors = 0
    for kind in ("feed", "range", "page"):
        idle_rate = idle[kind][0] / idle_time
        busy_rate = busy[kind][0] / busy_time
        errors = idle[kind][1] + busy[kind][1]
        total_errors += errors
        print(f"{kind:<8}{idle_rate:>12.0f}{busy_rate:>14.0f}{busy_rate / idle_rate:>8.2f}{errors:>8}")
    if "error" in upload_result:
        print(f"upload FAILED: {upload_result['error']}")
        total_errors += 1
    else:
        print(f"upload of {args.upload_mib} MiB during the busy phase: {upload_result.get('seconds', 0):.1f} s")
    print(f"errors: {total_errors} (target 0)")
    sys.exit(1 if total_errors else 0)


if __name__ == "__main__":
    main()
