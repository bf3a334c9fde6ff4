"""Feeds and media behind the README's nginx configuration, against nginx serving the same bytes as plain files.

Builds a site (a show of --episodes episodes, a --mib MiB audio file), runs the feed refresh job so the
feed files are written, starts the app under gunicorn with MEDIA_ACCEL_REDIRECT and nginx with
docs/nginx.conf (the README's configuration; only its paths, port and TLS lines are replaced), and next to
it a plain nginx location serving copies of the same bytes. wrk measures each; the ratio is against the
plain file in the same run. Targets: feed (plain and gzip) >= 0.9x; media ranges (64 KiB, open-ended)
>= 0.9x.

    python bench/nginx_feed.py --episodes 300 --mib 50 --seconds 3 --rounds 3
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import PROJECT, free_port, start_gunicorn, stop, write_random_file, wrk  # noqa: E402
from _server import start_nginx as start_nginx_with  # noqa: E402

SLUG = "bench-show"
AUDIO = "audio/bench-show/episode.mp3"


def prepare(root: Path, episodes: int, mib: int, app_port: int) -> dict[str, str]:
    """The site's database, media and feed files; returns the app's environment."""
    sys.path.insert(0, str(PROJECT))
    from podcaster import create_app
    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db
    from podcaster.jobs import run_pending
    from podcaster.models import Episode, MediaFile, Show

    env = {"PODCASTER_DATABASE_URL": f"sqlite:///{root / 'site.sqlite'}", "PODCASTER_MEDIA_ROOT": str(root / "media"),
           "PODCASTER_FEED_FILES_DIR": str(root / "feeds"), "PODCASTER_SECRET_KEY": "bench",
           "PODCASTER_SITE_URL": f"http://127.0.0.1:{app_port}", "PODCASTER_QUEUE_URL": "memory://",
           "PODCASTER_MEDIA_ACCEL_REDIRECT": "/_protected_media/", "PODCASTER_PODCASTINDEX_PUBNOTIFY_URL": "off",
           "PODCASTER_INSTANCE_PATH": str(root / "instance")}
    write_random_file(root / "media" / AUDIO, mib)
    app = create_app({key.removeprefix("PODCASTER_"): value for key, value in env.items()} | {
        "DATABASE_URL": env["PODCASTER_DATABASE_URL"], "INSTANCE_PATH": str(root / "instance")})
    with app.app_context():
        upgrade_schema()
        show = Show(title="Bench Show", slug=SLUG, description="A show " * 40, language="en", category="Arts",
                    author_name="Bench", owner_name="Bench", owner_email="bench@example.com")
        db.session.add(show)
        media = MediaFile(path=AUDIO, size=mib * 1024 * 1024, sha256="0" * 64, mime_type="audio/mpeg", kind="audio")
        start = datetime(2025, 1, 1)
        for index in range(episodes):
            db.session.add(Episode(show=show, title=f"Episode {index}", slug=f"episode-{index}",
                                   guid=f"bench-{index}", notes="Notes about this episode. " * 20, audio=media,
                                   duration=1800, status="published", publish_at=start + timedelta(days=index)))
        db.session.commit()
    run_pending(app)
    if not (root / "feeds" / "podcasts" / SLUG / "feed.xml").is_file():
        raise SystemExit("the refresh job wrote no feed file")
    return env


def readme_config(root: Path, port: int, app_port: int) -> str:
    """docs/nginx.conf with this run's paths and port (and no TLS)."""
    text = (PROJECT / "docs" / "nginx.conf").read_text()
    text = text.replace("/srv/podcaster/instance/feeds", str(root / "feeds"))
    text = text.replace("/srv/podcaster/media/", f"{root / 'media'}/")
    text = text.replace("/srv/podcaster/media-access.log", str(root / "media-access.log"))
    text = text.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    return re.sub(r"\n\s*server_name [^;]+;", "", text)


def start_nginx(root: Path, readme_port: int, plain_port: int, app_port: int) -> subprocess.Popen:
    """nginx with the README's server (in front of the app) and a plain one serving the copies in plain/."""
    return start_nginx_with(root, plain_port, "audio/mpeg mp3; application/rss+xml xml;",
                            f"root {root / 'plain'}; gzip_static on;",
                            servers=readme_config(root, readme_port, app_port), more_ports=(readme_port,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--mib", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"this bench needs {tool} (apt-get install {tool})")

    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # nginx's worker runs as an unprivileged user
        readme_port, plain_port = free_port(), free_port()
        env = prepare(root, args.episodes, args.mib, readme_port)
        feed = root / "feeds" / "podcasts" / SLUG / "feed.xml"
        (root / "plain").mkdir()
        shutil.copy(feed, root / "plain" / "feed.xml")
        shutil.copy(feed.with_name("feed.xml.gz"), root / "plain" / "feed.xml.gz")
        shutil.copy(root / "media" / AUDIO, root / "plain" / "episode.mp3")
        for folder, _, names in os.walk(root):
            os.chmod(folder, 0o755)
            for name in names:
                os.chmod(os.path.join(folder, name), 0o644)
        app, app_port = start_gunicorn("podcaster:create_app()", env, root / "gunicorn.log", workers=2)
        nginx = None
        try:
            nginx = start_nginx(root, readme_port, plain_port, app_port)
            if os.environ.get("BENCH_SHOW_HEADERS"):
                for url in (f"http://127.0.0.1:{readme_port}/media/{AUDIO}", f"http://127.0.0.1:{plain_port}/episode.mp3",
                            f"http://127.0.0.1:{readme_port}/podcasts/{SLUG}/feed.xml"):
                    print(subprocess.run(["curl", "-s", "-D", "-", "-o", "/dev/null", "-H", "Range: bytes=0-65535",
                                          "-H", "Accept-Encoding: gzip", url], capture_output=True, text=True).stdout)
            readme, plain = f"http://127.0.0.1:{readme_port}", f"http://127.0.0.1:{plain_port}"
            size = args.mib * 1024 * 1024
            cases = [
                ("feed", f"/podcasts/{SLUG}/feed.xml", "/feed.xml", {}),
                ("feed, gzip", f"/podcasts/{SLUG}/feed.xml", "/feed.xml", {"Accept-Encoding": "gzip"}),
                ("media 64 KiB range", f"/media/{AUDIO}", "/episode.mp3", {"Range": f"bytes={size // 2}-{size // 2 + 65535}"}),
                ("media open-ended range", f"/media/{AUDIO}", "/episode.mp3", {"Range": f"bytes={size - 4 * 1024 * 1024}-"}),
            ]
            print(f"feed of {args.episodes} episodes ({feed.stat().st_size} bytes, gzip "
                  f"{feed.with_name('feed.xml.gz').stat().st_size}), {args.mib} MiB audio; wrk -c{args.connections}, "
                  f"{args.seconds:g} s each, best of {args.rounds} alternating rounds")
            for label, path, plain_path, headers in cases:
                wrk(readme + path, headers, 1, 2)  # warm up
                # Alternating rounds, best of each side: the machine is shared, and load comes and goes.
                rounds = [(wrk(readme + path, headers, args.seconds, args.connections),
                           wrk(plain + plain_path, headers, args.seconds, args.connections))
                          for _ in range(args.rounds)]
                ours = max(pair[0] for pair in rounds)
                reference = max(pair[1] for pair in rounds)
                print(f"  {label:24} README config {ours[0]:9.0f} req/s {ours[1]:8.1f} MiB/s | plain file "
                      f"{reference[0]:9.0f} req/s {reference[1]:8.1f} MiB/s | {ours[0] / reference[0]:.2f}x")
        finally:
            if nginx is not None:
                stop(nginx)
            stop(app)


if __name__ == "__main__":
    main()
