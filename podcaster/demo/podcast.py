"""The demo podcast: a show with generated artwork and three short episodes made from bundled MP3s.

``podcaster demo`` calls ``load_demo_podcast`` inside its own transaction; the
episodes are saved by ``content.episodes.save_episode``, like uploads (identified,
measured, tagged), within that transaction.
The MP3s in ``data/`` are synthetic speech (see ``data/README.md``).
"""
from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.orm import Session

from ..content.episodes import EpisodeFields, EpisodeFiles, IncomingFile, save_episode
from ..content.images import ARTWORK
from ..content.media import FileChanges, store_image
from ..content.storage import MediaStore
from ..models import Author, Book, Show, ShowAuthor, utcnow

DEMO_DATA = Path(__file__).resolve().parent / "data"
ARTWORK_SIDE = 1400

SHOW = {
    "title": "The Quiet Page",
    "slug": "the-quiet-page",
    "subtitle": "Conversations about quiet novels and the people who write them",
    "description": (
        "Ada Quill talks with writers, editors and readers about **quiet novels**: books where little happens "
        "loudly and everything happens underneath.\n\nA new episode every month. "
        "[Write in](mailto:ada@example.com) with your questions."
    ),
    "category": "Arts",
    "subcategory": "Books",
    "language": "en",
    "show_type": "episodic",
    "funding": [{"label": "Become a member of The Quiet Page", "url": "https://example.com/support"}],
}

EPISODES = [
    {"file": "trailer.mp3", "title": "Welcome to The Quiet Page", "episode_type": "trailer", "days_ago": 40,
     "notes": "What this podcast is about, in under ten seconds."},
    {"file": "episode-1.mp3", "title": "Opening lines", "number": 1, "season": 1, "days_ago": 30,
     "notes": "Ada reads the **opening lines** of her novel and explains why the first page is the last one she "
              "writes.\n\n- Where the book started\n- Why the family is loud\n- What the reader hears first",
     "chapters": [{"startTime": 0, "title": "Welcome"}, {"startTime": 4, "title": "The opening lines"}],
     "book": True},
    {"file": "episode-2.mp3", "title": "Writing in small rooms", "number": 2, "season": 1, "days_ago": 2,
     "notes": "Why every book needs a window, and other advice for writers with little space.",
     "transcript": ("WEBVTT\n\n00:00.000 --> 00:02.000\nEpisode two.\n\n00:02.000 --> 00:06.000\n"
                    "Today we talk about writing in small rooms, and why every book needs a window.\n\n"
                    "00:06.000 --> 00:08.400\nThank you for listening.\n")},
]


def artwork_png(title: str, author: str, side: int = ARTWORK_SIDE) -> bytes:
    """Square show artwork meeting Apple's rules: RGB PNG, ``side`` pixels, the title in large type."""
    image = Image.new("RGB", (side, side), (34, 49, 63))
    draw = ImageDraw.Draw(image)
    # A few pages, fanned out, under the title.
    for index, colour in enumerate([(236, 229, 214), (222, 212, 190), (250, 246, 238)]):
        left = side // 5 + index * side // 20
        draw.rectangle([left, side // 2 + index * 12, left + side // 2, side - side // 8 + index * 12], fill=colour,
                       outline=(120, 100, 80), width=4)
    title_font = ImageFont.load_default(size=side // 10)
    small_font = ImageFont.load_default(size=side // 22)
    draw.text((side // 2, side // 5), title, font=title_font, fill=(250, 246, 238), anchor="mm")
    draw.text((side // 2, side // 5 + side // 9), author, font=small_font, fill=(214, 170, 120), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def load_demo_podcast(session: Session, media_root: str, author: Author | None) -> Show:
    """Add the demo show and its episodes to the session (the caller commits).

    The show's podcast:guid is made from its feed URL when the feed is first built
    (``content.feeds.service.assign_podcast_guid``, with the site's one URL function).

    Files are written before the caller's commit; if anything fails here, the
    files written so far are removed before the error propagates (the caller
    rolls back).

    Args:
        session: the database session.
        media_root: the media store folder.
        author: the site's main author, credited as host (None for an anonymous show).

    Returns:
        The new show.
    """
    store = MediaStore(media_root)
    changes = FileChanges()
    name = author.name if author is not None else "Podcaster"
    try:
        artwork = store_image(session, store, io.BytesIO(artwork_png(SHOW["title"], name)), "the-quiet-page.png",
                              ARTWORK, 20 * 1024 * 1024)
        changes.new_paths += [artwork.path] + [variant.path for variant in artwork.variants]
        show = Show(
            **SHOW, author_name=name, owner_name=name, owner_email="ada@example.com",
            copyright=f"© {utcnow().year} {name}", artwork=artwork,
        )
        if author is not None:
            show.credits.append(ShowAuthor(author=author, role="host"))
        session.add(show)
        session.flush()
        book = session.query(Book).order_by(Book.position, Book.id).first()
        now = utcnow().replace(microsecond=0)
        for item in EPISODES:
            fields = EpisodeFields(
                title=item["title"], notes=item["notes"], status="published",
                publish_at=now - timedelta(days=item["days_ago"]), season=item.get("season"),
                number=item.get("number"), episode_type=item.get("episode_type", "full"),
                book_ids=[book.id] if item.get("book") and book is not None else [],
            )
            chapters = json.dumps({"version": "1.2.0", "chapters": item["chapters"]}).encode() \
                if "chapters" in item else None
            files = EpisodeFiles(
                audio=IncomingFile(item["file"], path=DEMO_DATA / item["file"]),
                chapters=IncomingFile("demo.json", stream=io.BytesIO(chapters)) if chapters else None,
                transcript=IncomingFile("demo.vtt", stream=io.BytesIO(item["transcript"].encode()))
                if "transcript" in item else None,
            )
            save_episode(session, store, show, None, fields, files, now, changes=changes)
    except BaseException:
        for path in changes.new_paths:
            store.delete(path)
        raise
    return show
