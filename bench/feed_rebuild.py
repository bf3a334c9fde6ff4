"""Feed rebuild after an edit at 1000 episodes (all included) against a minimal lxml builder.

    .venv/bin/python bench/feed_rebuild.py [--episodes 1000] [--rounds 9] [--profile]

Builds a throwaway SQLite site (``feed.prepare``: a long show and a short one, realistic notes), then
for each round edits one episode, commits, and times:

- the app's rebuild as a request after an edit does it (``service.rebuild_show_feed``: version read,
  ORM load of the show, Core load of the episodes, XML, gzip, store, commit);
- the minimal lxml builder (``feed.minimal_lxml_feed``): one Core query, the same items written with
  ``etree.SubElement``, no gzip, no store: the reference, measured in the same run.

Prints both medians and the ratio (target <= 1.6x), and checks that both list the same items (guids
and enclosures, in order) and that the documents are identical after C14N. ``--profile`` adds a
cProfile of one rebuild, to show where the time goes.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feed as feed_bench  # noqa: E402  (bench/feed.py: the site and the reference builder)


def same_items(ours: bytes, reference: bytes) -> bool:
    """Whether both feeds list the same items: guids and enclosure URLs, in the same order."""
    from lxml import etree

    def items(data: bytes) -> list[tuple[str, str]]:
        root = etree.fromstring(data)
        return [(item.findtext("guid"), item.find("enclosure").get("url")) for item in root.iter("item")]

    return items(ours) == items(reference)


def profile_one_rebuild(root: Path, top: int = 18) -> str:
    """cProfile of one rebuild after an edit, by cumulative time."""
    from podcaster.content.feeds import service
    from podcaster.extensions import db
    from podcaster.models import Episode, Show
    from podcaster.web.feeds import podcast_links

    app = feed_bench.make_app(root)
    with app.app_context(), app.test_request_context():
        show_id = db.session.execute(db.select(Show.id).filter_by(slug=feed_bench.BIG)).scalar_one()
        episode = db.session.execute(db.select(Episode).filter_by(show_id=show_id).limit(1)).scalar_one()
        episode.title = "Edited for the profile"
        db.session.commit()
        db.session.expire_all()
        profiler = cProfile.Profile()
        profiler.enable()
        service.rebuild_show_feed(db.session, show_id, feed_bench.NOW, podcast_links)
        profiler.disable()
        db.engine.dispose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one rebuild")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="podcaster-rebuild-bench-") as folder:
        root = Path(folder)
        feed_bench.prepare(root, options.episodes)
        app_time, build_time, reference_time, identical = feed_bench.bench_rebuild(root, options.rounds)
        ours, reference = _last_feeds(root)
        print(f"\nfeed rebuild after an edit, {options.episodes} episodes, median of {options.rounds}:")
        print(f"  app rebuild (load + XML + gzip + store)   {app_time * 1000:8.1f} ms   "
              f"{app_time / reference_time:.2f}x the reference (target <= 1.6x)")
        print(f"  of which load + XML                       {build_time * 1000:8.1f} ms   "
              f"{build_time / reference_time:.2f}x")
        print(f"  minimal lxml builder (reference)          {reference_time * 1000:8.1f} ms")
        print(f"  same items (guids, enclosures, order): {'yes' if same_items(ours, reference) else 'NO'}; "
              f"identical documents (C14N): {'yes' if identical else 'NO'}")
        if options.profile:
            print("\n" + profile_one_rebuild(root))


def _last_feeds(root: Path) -> tuple[bytes, bytes]:
    """The app's stored feed and the reference's, for the item comparison."""
    from podcaster.content.feeds import cache
    from podcaster.extensions import db
    from podcaster.models import Show

    app = feed_bench.make_app(root)
    with app.app_context(), app.test_request_context():
        show_id = db.session.execute(db.select(Show.id).filter_by(slug=feed_bench.BIG)).scalar_one()
        ours = cache.with_bodies(db.session, cache.cached_entry(db.session, cache.show_key(show_id))).body
        links = feed_bench.reference_links(db.session.get(Show, show_id))
        reference = feed_bench.minimal_lxml_feed(db.session, show_id, links)
        db.engine.dispose()
    return ours, reference


if __name__ == "__main__":
    main()
