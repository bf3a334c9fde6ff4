"""Scale curves: what each page and command costs at 10, 1000, 5000 and 20000 episodes.

    .venv/bin/python bench/scale.py [--sizes 10,1000,5000,20000] [--rounds 5]

For each size, a throwaway site in a temporary folder (SQLite): one show with that many public
episodes (bulk Core inserts; each with a small real audio file, so the media doctor and the export
have files to read), 10 posts at the smallest size and 1000 at the others, and a second show of 10
episodes. Then, in-process (Flask test client, CLI runner), the median of ``--rounds`` runs of:

- feed rebuild: ``service.rebuild_show_feed`` after an edit of one episode;
- show page, episode page, sitemap index, the show's first sitemap file, blog, dashboard (logged in);
- ``podcaster doctor`` and ``podcaster export`` (once each: they read every file);
- ``podcaster import-feed --keep-remote`` of the big show's own feed (images removed, so nothing is
  fetched), into a fresh site (once), up to ``--import-max`` episodes (default: every size; the
  importer commits 200 items at a time, a few ms an episode, so 20000 take a few minutes at most).

Every figure is printed with its ratio to the smallest size's figure measured in the same run.
Bounded: the sizes are given, each command runs once, pages ``--rounds`` times.
"""
from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SITE_URL = "https://bench.example"
NOW = datetime(2026, 6, 1, 12, 0, 0)
BIG, SMALL = "long-show", "short-show"
EMAIL, PASSWORD = "owner@bench.example", "a long bench password"
AUDIO = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(2000)  # the same small file for every episode
AUDIO_SHA = hashlib.sha256(AUDIO).hexdigest()


def make_app(root: Path, name: str = "site"):
    from podcaster import create_app

    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / (name + '.sqlite')}",
                       "MEDIA_ROOT": str(root / name / "media"), "SITE_URL": SITE_URL,
                       "WTF_CSRF_ENABLED": False, "CLOCK": lambda: NOW})


def build_site(root: Path, episodes: int, posts: int):
    """Schema, an admin, two shows, ``episodes`` + 10 episodes with files, ``posts`` posts."""
    from sqlalchemy import insert, select

    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db
    from podcaster.models import Author, Episode, MediaFile, Post, Show, ShowAuthor, User

    app = make_app(root)
    media = Path(app.config["MEDIA_ROOT"])
    with app.app_context():
        upgrade_schema()
        user = User(email=EMAIL)
        user.set_password(PASSWORD)
        author = Author(name="Ada Quill", slug="ada-quill", is_main=True, bio="Writes *books*.")
        db.session.add_all([user, author])
        for slug in (BIG, SMALL):
            show = Show(title=f"Show {slug}", slug=slug, description="A show about **books**.", language="en",
                        category="Arts", subcategory="Books", author_name="Ada Quill", owner_name="Ada Quill",
                        owner_email="ada@example.com", copyright="© Ada Quill")
            show.credits.append(ShowAuthor(author=author))
            db.session.add(show)
        db.session.commit()
        for slug, count in ((BIG, episodes), (SMALL, 10)):
            show_id = db.session.execute(select(Show.id).filter_by(slug=slug)).scalar_one()
            folder = media / "audio" / slug
            folder.mkdir(parents=True, exist_ok=True)
            for number in range(1, count + 1):
                (folder / f"episode-{number}.mp3").write_bytes(AUDIO)
            db.session.execute(insert(MediaFile), [
                {"path": f"audio/{slug}/episode-{n}.mp3", "size": len(AUDIO), "mime_type": "audio/mpeg",
                 "sha256": AUDIO_SHA, "kind": "audio"} for n in range(1, count + 1)])
            audio_ids = dict(db.session.execute(
                select(MediaFile.path, MediaFile.id).where(MediaFile.path.like(f"audio/{slug}/%"))).all())
            db.session.execute(insert(Episode), [
                {"show_id": show_id, "title": f"Episode {n}: a conversation", "slug": f"episode-{n}",
                 "guid": f"urn:bench:{slug}:{n}", "audio_id": audio_ids[f"audio/{slug}/episode-{n}.mp3"],
                 "notes": f"In episode **{n}** we talk about [a book](https://example.com/{n}).",
                 "duration": 1800.0 + n, "season": 1, "number": n, "status": "published",
                 "publish_at": NOW - timedelta(hours=count - n + 1), "chapters": [], "persons": [],
                 "soundbites": []} for n in range(1, count + 1)])
        db.session.execute(insert(Post), [
            {"title": f"Post {n}", "slug": f"post-{n}", "body": f"Body of **post {n}**.", "excerpt": "",
             "author_id": author.id, "status": "published", "publish_at": NOW - timedelta(hours=n)}
            for n in range(1, posts + 1)])
        db.session.commit()
        db.engine.dispose()


def median_time(work, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(root: Path, rounds: int, import_feed_too: bool) -> dict[str, float]:
    from lxml import etree

    from podcaster.content.feeds import cache, service
    from podcaster.extensions import db
    from podcaster.models import Episode, Show
    from podcaster.web.feeds import podcast_links

    app = make_app(root)
    figures: dict[str, float] = {}
    with app.app_context(), app.test_request_context():
        show_id = db.session.execute(db.select(Show.id).filter_by(slug=BIG)).scalar_one()
        service.rebuild_show_feed(db.session, show_id, NOW, podcast_links)
        edits = iter(range(10**6))

        def rebuild():
            episode = db.session.execute(
                db.select(Episode).filter_by(show_id=show_id).order_by(Episode.id).limit(1)).scalar_one()
            episode.title = f"Edited {next(edits)}"
            db.session.commit()
            db.session.expire_all()
            service.rebuild_show_feed(db.session, show_id, NOW, podcast_links)

        figures["feed rebuild"] = median_time(rebuild, max(3, rounds // 2))
        feed = cache.with_bodies(db.session, cache.cached_entry(db.session, cache.show_key(show_id))).body
        db.engine.dispose()

    visitor, author = app.test_client(), app.test_client()
    assert author.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    pages = {"show page": (visitor, f"/podcasts/{BIG}"), "episode page": (visitor, f"/podcasts/{BIG}/episode-1"),
             "sitemap index": (visitor, "/sitemap.xml"),
             "sitemap file": (visitor, f"/sitemaps/podcasts/{BIG}/episodes-1.xml"),
             "blog": (visitor, "/blog"), "dashboard": (author, "/admin/"),
             "admin episodes": (author, "/admin/shows/1/episodes/")}
    for name, (client, url) in pages.items():
        assert client.get(url).status_code == 200, url  # warm: templates compiled, markdown memoised

        def get(client=client, url=url):
            assert client.get(url).status_code == 200

        figures[name] = median_time(get, rounds)

    runner = app.test_cli_runner()

    def command(*args: str) -> None:
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output[-2000:]

    figures["podcaster doctor"] = median_time(lambda: command("doctor"), 1)
    figures["podcaster export"] = median_time(lambda: command("export", str(root / "export.zip")), 1)
    (root / "export.zip").unlink(missing_ok=True)

    if not import_feed_too:
        return figures
    # The show's own feed moved to a fresh site; images dropped so the importer fetches nothing.
    tree = etree.fromstring(feed)
    for image in tree.xpath("//itunes:image", namespaces={"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}):
        image.getparent().remove(image)
    feed_file = root / "feed.xml"
    feed_file.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
    target = make_app(root, "imported")
    with target.app_context():
        from podcaster.cli import upgrade_schema

        upgrade_schema()
    target_runner = target.test_cli_runner()

    def import_feed() -> None:
        result = target_runner.invoke(args=["import-feed", str(feed_file), "--keep-remote"])
        assert result.exit_code == 0, result.output[-2000:]

    figures["import-feed"] = median_time(import_feed, 1)
    figures["(feed size, MiB)"] = feed_file.stat().st_size / 2**20
    with target.app_context():
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1000,5000,20000", help="episode counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=5, help="runs per page (the median is kept)")
    parser.add_argument("--import-max", type=int, default=20000,
                        help="import the feed only up to this size (a few ms an episode)")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"podcaster-scale-{size}-") as folder:
            started = time.perf_counter()
            build_site(Path(folder), size, 10 if size == min(sizes) else 1000)
            built = time.perf_counter() - started
            results[size] = measure(Path(folder), options.rounds, size <= options.import_max)
            print(f"size {size}: built in {built:.1f} s, measured in {time.perf_counter() - started - built:.1f} s",
                  file=sys.stderr, flush=True)
    base = results[sizes[0]]
    header = "| figure | " + " | ".join(f"{size} episodes" for size in sizes) + " |"
    print(header)
    print("|---|" + "---|" * len(sizes))
    for name in base:
        cells = []
        for size in sizes:
            value = results[size].get(name)
            if value is None:
                cells.append("not run (--import-max)")
                continue
            if name.startswith("("):
                cells.append(f"{value:.2f}")
            else:
                cells.append(f"{value * 1000:.1f} ms ({value / base[name]:.2f}x)")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
