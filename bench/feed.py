"""The podcast feed: serving cached bytes against nginx, 304s, and rebuilding after an edit.

    /tmp/venv/bin/python bench/feed.py [--episodes 1000] [--seconds 4]

Builds a throwaway site (SQLite) with a 1000-episode show and a 10-episode show,
then on 127.0.0.1:

1. serving: the app under gunicorn (one gthread worker, as ``podcaster run``
   starts it, keep-alive) against nginx (one worker) serving the very same bytes
   from files, plain and gzip. Target: >= 0.9x nginx.
2. 304s: conditional GETs (If-None-Match) for the 10- and the 1000-episode
   feed. Target: ratio >= 0.9 (a 304 never touches the bytes).
3. rebuild after an edit, database load included (ORM load, feedgen, gzip,
   store), against a minimal lxml builder writing the same XML from a plain Core
   query. Target: <= 1.6x.

The load generator is ``wrk`` when installed (bounded by --seconds), else a
Python keep-alive client (bounded by count and time). Every figure is a ratio to
a reference measured in the same run.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _server import free_port, stop, wait_for_port, wrk
from _server import start_nginx as start_nginx_with

SITE_URL = "https://bench.example"
BIG, SMALL = "long-show", "short-show"
NOW = datetime(2026, 6, 1, 12, 0, 0)


def make_app(root: Path):
    from podcaster import create_app

    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite'}",
                       "MEDIA_ROOT": str(root / "media"), "SITE_URL": SITE_URL})


def prepare(root: Path, episodes: int) -> None:
    """Create the schema and two shows with realistic episodes (rows only; feeds never open audio)."""
    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db
    from podcaster.models import Author, Episode, MediaFile, Show, ShowAuthor

    app = make_app(root)
    with app.app_context():
        upgrade_schema()
        author = Author(name="Ada Quill", slug="ada-quill")
        for slug, count in ((BIG, episodes), (SMALL, 10)):
            cover = MediaFile(path=f"images/{slug}.jpg", size=1, mime_type="image/jpeg", sha256="0" * 64,
                              kind="image", width=1400, height=1400)
            show = Show(title=f"Show {slug}", slug=slug, description="A show about **books** and their makers.",
                        artwork=cover, category="Arts", subcategory="Books", author_name="Ada Quill",
                        owner_name="Ada Quill", owner_email="ada@example.com", copyright="© Ada Quill")
            show.credits.append(ShowAuthor(author=author))
            db.session.add(show)
            for number in range(1, count + 1):
                audio = MediaFile(path=f"audio/{slug}/episode-{number}.mp3", size=40_000_000 + number,
                                  mime_type="audio/mpeg", sha256="0" * 64, kind="audio")
                db.session.add(Episode(
                    show=show, title=f"Episode {number}: a conversation", slug=f"episode-{number}",
                    notes=(f"In episode **{number}** we talk about [a book](https://example.com/{number}), "
                           "its author and why it matters.\n\n- one point\n- another point\n"),
                    audio=audio, duration=3600 + number, season=1 + number // 100, number=number,
                    status="published", publish_at=NOW - timedelta(days=count - number + 1)))
        db.session.commit()
        db.engine.dispose()


def gunicorn_app():
    """The gunicorn entry point (``feed:gunicorn_app()``), reading its folder from BENCH_ROOT."""
    app = make_app(Path(os.environ["BENCH_ROOT"]))
    app.config["CLOCK"] = lambda: NOW
    return app


def start_gunicorn(root: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = open(root / "gunicorn.log", "wb")  # noqa: SIM115 (kept open for the server's life)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", "8", "--keep-alive", "30",
         "--pythonpath", f"{Path(__file__).resolve().parent},{Path(__file__).resolve().parent.parent}",
         "feed:gunicorn_app()"],
        env={**os.environ, "BENCH_ROOT": str(root)}, stdout=subprocess.DEVNULL, stderr=log)
    wait_for_port(port, process)
    return process, port


def start_nginx(root: Path, port: int) -> subprocess.Popen:
    return start_nginx_with(root, port, "application/rss+xml xml;", f"""
        location /plain/ {{ alias {root}/static/; }}
        location /gzip/ {{ alias {root}/static/; gzip_static always; gunzip off; }}""")


# --- load ---------------------------------------------------------------------------------------

def load_wrk(port: int, path: str, headers: dict[str, str], seconds: float, connections: int) -> float:
    return wrk(f"http://127.0.0.1:{port}{path}", headers, seconds, connections)[0]


def load_python(port: int, path: str, headers: dict[str, str], seconds: float, connections: int,
                max_requests: int = 200_000) -> float:
    """Keep-alive connections in threads; bounded by ``max_requests`` and ``seconds``."""
    counts = [0] * connections
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline and sum(counts) < max_requests:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 304):
                raise SystemExit(f"{path}: HTTP {response.status}")
            counts[index] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


# --- rebuild ------------------------------------------------------------------------------------

def minimal_lxml_feed(session, show_id: int, links) -> bytes:
    """The same XML as the app's feed, written directly with lxml from one Core query (the reference)."""
    from lxml import etree
    from sqlalchemy import select

    from podcaster.content.feeds import podcast as p
    from podcaster.content.feeds.podcast_ext import CONTENT_NS, ITUNES_NS, PODCAST_NS
    from podcaster.content.markup import plain_text
    from podcaster.models import Author, Episode, MediaFile, Show, ShowAuthor

    show = session.execute(select(Show.__table__).where(Show.id == show_id)).one()
    cover = session.execute(select(MediaFile.path).where(MediaFile.id == show.artwork_id)).scalar()
    hosts = session.execute(select(Author.name, Author.slug, ShowAuthor.role).join(
        ShowAuthor, ShowAuthor.author_id == Author.id).where(ShowAuthor.show_id == show_id)).all()
    audio = MediaFile.__table__.alias("audio")
    rows = session.execute(
        select(Episode.__table__, audio.c.path.label("audio_path"), audio.c.size.label("audio_size"),
               audio.c.mime_type.label("audio_type"))
        .join(audio, audio.c.id == Episode.audio_id)
        .where(Episode.show_id == show_id, Episode.status != "draft", Episode.publish_at <= NOW)
        .order_by(Episode.publish_at.desc(), Episode.id.desc())).all()
    media = links.media_path
    it, pc = f"{{{ITUNES_NS}}}", f"{{{PODCAST_NS}}}"
    rss = etree.Element("rss", nsmap={"itunes": ITUNES_NS, "podcast": PODCAST_NS,
                                      "atom": "http://www.w3.org/2005/Atom", "content": CONTENT_NS},
                        version="2.0")
    ch = etree.SubElement(rss, "channel")
    sub = etree.SubElement

    def text(parent, tag, value, **attrs):
        element = sub(parent, tag, attrs)
        element.text = value
        return element

    description = p.cut_to_bytes(plain_text(show.description))
    text(ch, "title", show.title)
    text(ch, "link", links.show_page)
    text(ch, "description", description)
    sub(ch, "{http://www.w3.org/2005/Atom}link", href=links.feed_url, rel="self", type="application/rss+xml")
    text(ch, "copyright", show.copyright)
    text(ch, "docs", "http://www.rssboard.org/rss-specification")
    text(ch, "generator", "Podcaster")
    text(ch, "language", show.language)
    updated = max([show.updated_at] + [m for r in rows for m in (r.updated_at, r.publish_at)])
    text(ch, "lastBuildDate", updated.replace(tzinfo=UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"))
    text(ch, it + "author", show.author_name)
    sub(sub(ch, it + "category", text=show.category), it + "category", text=show.subcategory)
    owner = sub(ch, it + "owner")
    text(owner, it + "name", show.owner_name)
    text(owner, it + "email", show.owner_email)
    text(ch, it + "summary", description)
    text(ch, it + "type", show.show_type)
    text(ch, it + "explicit", "true" if show.explicit else "false")
    sub(ch, it + "image", href=media(cover))
    text(ch, pc + "guid", show.podcast_guid)
    text(ch, pc + "locked", "yes" if show.locked else "no", owner=show.owner_email)
    for name, slug, role in hosts:
        text(ch, pc + "person", name, role=role, href=links.author_base + slug)
    text(ch, pc + "medium", "podcast")
    for row in rows:
        item = sub(ch, "item")
        text(item, "title", row.title)
        text(item, "link", links.episode_base + row.slug)
        text(item, "description", p._notes_text(row.notes))
        content = sub(item, f"{{{CONTENT_NS}}}encoded")
        content.text = etree.CDATA(p._notes_html(row.notes))
        text(item, "guid", row.guid, isPermaLink="false")
        sub(item, "enclosure", url=media(row.audio_path), length=str(row.audio_size), type=row.audio_type)
        text(item, "pubDate", row.publish_at.replace(tzinfo=UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"))
        text(item, it + "duration", str(round(row.duration)))
        text(item, it + "season", str(row.season))
        text(item, it + "episode", str(row.number))
        text(item, it + "title", row.title)
        text(item, it + "episodeType", row.episode_type)
        text(item, it + "explicit", "true" if (show.explicit if row.explicit is None else row.explicit) else "false")
        text(item, pc + "season", str(row.season))
        text(item, pc + "episode", str(row.number))
    return etree.tostring(rss, encoding="UTF-8", xml_declaration=True)


def reference_links(show):
    """The show's URLs as the minimal builder takes them: plain strings and prefixes from the app's own makers.

    Needs an app and a request context.
    """
    from types import SimpleNamespace

    from podcaster.web.feeds import podcast_links

    example = podcast_links(show)
    prefix = example.media(SimpleNamespace(path="X")).removesuffix("X")
    return SimpleNamespace(feed_url=example.feed_url, show_page=example.show_page,
                           media_path=lambda path: prefix + path,
                           author_base=example.author_page(SimpleNamespace(slug="")),
                           episode_base=example.episode_page(SimpleNamespace(slug="")))


def bench_rebuild(root: Path, rounds: int) -> tuple[float, float, float, bool]:
    """Median seconds of (app rebuild after an edit, its load + build alone, minimal lxml reference), and
    whether the XML matches."""
    from lxml import etree

    from podcaster.content.feeds import service
    from podcaster.content.feeds.loading import load_show_for_feed
    from podcaster.content.feeds.podcast import build_podcast_feed
    from podcaster.extensions import db
    from podcaster.models import Episode, Show
    from podcaster.web.feeds import podcast_links

    app = make_app(root)
    app.config["CLOCK"] = lambda: NOW
    with app.app_context(), app.test_request_context():
        show_id = db.session.execute(db.select(Show.id).filter_by(slug=BIG)).scalar_one()
        links = reference_links(db.session.get(Show, show_id))
        app_times, build_times, reference_times = [], [], []
        for round_number in range(rounds):
            episode = db.session.execute(
                db.select(Episode).filter_by(show_id=show_id).order_by(Episode.id).limit(1)
            ).scalar_one()
            episode.title = f"Edited {round_number}"
            db.session.commit()
            db.session.expire_all()
            started = time.perf_counter()
            ours = service.rebuild_show_feed(db.session, show_id, NOW, podcast_links).body
            app_times.append(time.perf_counter() - started)
            db.session.expire_all()
            started = time.perf_counter()
            show, episodes = load_show_for_feed(db.session, show_id, NOW)
            build_podcast_feed(show, episodes, podcast_links(show))
            build_times.append(time.perf_counter() - started)
            db.session.expire_all()
            started = time.perf_counter()
            reference = minimal_lxml_feed(db.session, show_id, links)
            reference_times.append(time.perf_counter() - started)
        same = etree.tostring(etree.fromstring(ours), method="c14n") == \
            etree.tostring(etree.fromstring(reference), method="c14n")
        db.engine.dispose()
    return (statistics.median(app_times), statistics.median(build_times), statistics.median(reference_times),
            same)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--rebuild-only", action="store_true", help="skip the serving benches")
    options = parser.parse_args()
    load = load_wrk if shutil.which("wrk") else load_python
    print(f"load generator: {'wrk' if load is load_wrk else 'python http.client threads'}; "
          f"{options.connections} keep-alive connections, {options.seconds}s per run; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="podcaster-feed-bench-") as folder:
        root = Path(folder)
        root.chmod(0o755)  # nginx's worker runs as an unprivileged user
        prepare(root, options.episodes)

        app_time, build_time, reference_time, same = bench_rebuild(root, options.rounds)
        print(f"\nrebuild after an edit ({options.episodes} episodes, median of {options.rounds}):")
        print(f"  app rebuild (DB load + feedgen + gzip + store) {app_time * 1000:8.1f} ms   "
              f"{app_time / reference_time:.2f}x (target <= 1.6x)")
        print(f"  of which DB load + feedgen                     {build_time * 1000:8.1f} ms   "
              f"{build_time / reference_time:.2f}x")
        print(f"  minimal lxml builder (Core query)              {reference_time * 1000:8.1f} ms   "
              f"same XML: {'yes' if same else 'NO'}")

        if options.rebuild_only:
            return
        gunicorn, app_port = start_gunicorn(root)
        nginx = None
        try:
            big, small = f"/podcasts/{BIG}/feed.xml", f"/podcasts/{SMALL}/feed.xml"
            plain = get(app_port, big)
            zipped = get(app_port, big, {"Accept-Encoding": "gzip"})
            assert plain.status == 200 and zipped.getheader("Content-Encoding") == "gzip"
            assert gzip.decompress(zipped.body) == plain.body
            static = root / "static"
            static.mkdir()
            (static / "feed.xml").write_bytes(plain.body)
            (static / "feed.xml.gz").write_bytes(zipped.body)
            nginx_port = free_port()
            nginx = start_nginx(root, nginx_port)
            assert get(nginx_port, "/plain/feed.xml").body == plain.body
            assert get(nginx_port, "/gzip/feed.xml", {"Accept-Encoding": "gzip"}).body == zipped.body
            print(f"\nserving the {options.episodes}-episode feed ({len(plain.body) / 1024:.0f} KiB, "
                  f"gzip {len(zipped.body) / 1024:.0f} KiB): gunicorn 1 gthread worker vs nginx 1 worker")
            for label, headers, nginx_path in (("plain", {}, "/plain/feed.xml"),
                                               ("gzip", {"Accept-Encoding": "gzip"}, "/gzip/feed.xml")):
                reference = load(nginx_port, nginx_path, headers, options.seconds, options.connections)
                ours = load(app_port, big, headers, options.seconds, options.connections)
                print(f"  {label:5}  nginx {reference:9.0f} req/s   app {ours:9.0f} req/s   "
                      f"{ours / reference:.2f}x (target >= 0.9x)")

            print("\n304 Not Modified (If-None-Match), app only:")
            rates = {}
            for name, path in (("10", small), (str(options.episodes), big)):
                etag = get(app_port, path).getheader("ETag")
                assert get(app_port, path, {"If-None-Match": etag}).status == 304
                rates[name] = load(app_port, path, {"If-None-Match": etag}, options.seconds, options.connections)
                print(f"  {name:>5} episodes {rates[name]:9.0f} req/s")
            ratio = rates[str(options.episodes)] / rates["10"]
            print(f"  ratio {options.episodes} vs 10 episodes: {ratio:.2f} (target >= 0.9)")
        finally:
            if nginx is not None:
                stop(nginx)
            stop(gunicorn)


if __name__ == "__main__":
    main()
