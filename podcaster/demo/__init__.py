"""Demo content, so a fresh site has something to show.

Everything here is invented: the people, their books, posts and ISBNs (valid
check digits, made-up numbers). Photos and covers are drawn with Pillow, so the
demo needs no files from anywhere. The video ids are placeholders that point at
no real video.
"""
from __future__ import annotations

import importlib.util
import io
import secrets
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.orm import Session

from ..content.images import COVER, PHOTO
from ..content.isbn import isbn13_check_digit
from ..content.media import remove_files, store_image
from ..content.storage import MediaStore
from ..models import Author, Book, BookContributor, ContributorRole, MediaFile, Post, Status, Tag, User, Video
from ..models.common import utcnow

DEMO_ADMIN_EMAIL = "admin@example.com"
_IMAGE_LIMIT = 10 * 1024 * 1024

MAIN_AUTHOR = {
    "name": "Ada Quill", "slug": "ada-quill",
    "short_bio": "Novelist, workshop teacher and host of the podcast *The Quiet Page*.",
    "bio": (
        "Ada Quill writes **quiet novels about loud families**. She grew up above a bakery in the "
        "invented harbour town of Wrenmouth, which appears, thinly disguised, in everything she writes.\n\n"
        "Her first novel, *The Lantern Years*, followed three sisters through one long winter. Since then "
        "she has run the Harbour Workshop, a weekly writing group whose members' stories fill the "
        "anthology *Twenty-Eight Doors*.\n\n"
        "On the podcast she talks with other writers about the unglamorous middle of making a book: "
        "drafts, doubts and deadlines."
    ),
    "website_url": "https://ada-quill.example",
    "youtube_url": "https://www.youtube.com/@adaquill.example",
    "links": [{"label": "Newsletter", "url": "https://letters.ada-quill.example"},
              {"label": "Mastodon", "url": "https://social.example/@adaquill"}],
}
CO_AUTHOR = {
    "name": "Tomas Fennick", "slug": "tomas-fennick",
    "short_bio": "Radio engineer turned essayist; co-author of *Salt and Static*.",
    "bio": "Tomas Fennick spent twenty years keeping an invented coastal radio station on air. "
           "He writes about weather, signals and the people who listen in the small hours.",
    "website_url": "https://fennick.example", "youtube_url": "", "links": [],
}
#: Members of the (invented) Harbour Workshop who contributed to the anthology.
WORKSHOP = [
    "Bea Marlowe", "Caspar Lune", "Dilys Hart", "Emeka Rowan", "Fen Alder", "Greta Vos", "Hollis Pike",
    "Ines Calder", "Jory Wainwright", "Kit Ashdown", "Lena Moss", "Mateo Quarry",
]

COLOURS = ["#8a3b12", "#2d6a4f", "#1d3557", "#6d597a", "#b56576", "#355070", "#7f5539", "#3a5a40"]


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    return lines + ([line] if line else [])


def cover_png(title: str, author: str, colour: str, width: int = 600, height: int = 900) -> bytes:
    """Draw a simple book cover: a coloured ground, a band, the title and the author."""
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(height * 0.62), width, int(height * 0.64)), fill="#f4efe6")
    for index in range(6):  # a few soft rings as "art"
        radius = 40 + index * 28
        centre = (width // 2, int(height * 0.78))
        draw.ellipse((centre[0] - radius, centre[1] - radius // 2, centre[0] + radius, centre[1] + radius // 2),
                     outline="#f4efe6", width=2)
    title_font, author_font = _font(52), _font(30)
    y = 90
    for line in _wrap(draw, title, title_font, width - 80):
        draw.text((40, y), line, font=title_font, fill="#fdfcf9")
        y += 64
    draw.text((40, int(height * 0.54)), author.upper(), font=author_font, fill="#f4efe6")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def portrait_png(name: str, colour: str, side: int = 480) -> bytes:
    """Draw a placeholder portrait: initials on a coloured disc."""
    image = Image.new("RGB", (side, side), "#f4efe6")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, side - 20, side - 20), fill=colour)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = _font(side // 3)
    box = draw.textbbox((0, 0), initials, font=font)
    draw.text(((side - (box[2] - box[0])) / 2 - box[0], (side - (box[3] - box[1])) / 2 - box[1]),
              initials, font=font, fill="#fdfcf9")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _store_png(session: Session, store: MediaStore, data: bytes, filename: str, rule) -> MediaFile:
    # The same checks and variants as an admin upload.
    return store_image(session, store, io.BytesIO(data), filename, rule, _IMAGE_LIMIT)


def demo_isbn(serial: int) -> str:
    """An invented ISBN-13 with a valid check digit."""
    first_twelve = f"979800{serial:06d}"
    return first_twelve + isbn13_check_digit(first_twelve)


def _author(values: dict, position: int, photo: MediaFile | None, is_main: bool = False) -> Author:
    return Author(photo=photo, position=position, is_main=is_main, **values)


def _tags(session: Session, names: list[str]) -> list[Tag]:
    from ..content.slugs import make_slug

    found = []
    for name in names:
        slug = make_slug(name)
        tag = session.query(Tag).filter_by(slug=slug).one_or_none()
        if tag is None:
            tag = Tag(name=name, slug=slug)
            session.add(tag)
            session.flush()
        found.append(tag)
    return found


def load_demo(session: Session, media_root: str) -> str:
    """Fill an empty site with demo content.

    Args:
        session: the database session.
        media_root: the media store folder, for demo images and audio.

    Returns:
        A line saying what happened, with the demo admin's credentials.
    """
    if session.query(Author).first() is not None:
        return "The site already has content; demo content not loaded."
    store = MediaStore(media_root)
    before = {media.path for media in session.query(MediaFile)}
    try:
        main = _author(MAIN_AUTHOR, 0, _store_png(session, store, portrait_png("Ada Quill", COLOURS[0]),
                                                   "ada-quill.png", PHOTO), is_main=True)
        co_author = _author(CO_AUTHOR, 1, _store_png(session, store, portrait_png("Tomas Fennick", COLOURS[2]),
                                                      "tomas-fennick.png", PHOTO))
        from ..content.slugs import make_slug

        workshop = [
            Author(name=name, slug=make_slug(name), position=10 + index,
                   short_bio=f"{name.split()[0]} is a member of the Harbour Workshop in Wrenmouth.",
                   bio=f"{name} writes short fiction and meets the Harbour Workshop every Thursday.")
            for index, name in enumerate(WORKSHOP)
        ]
        session.add_all([main, co_author, *workshop])
        session.flush()

        books = _demo_books(session, store, main, co_author, workshop, COVER)
        session.add_all(books)
        session.add_all(_demo_videos(main, books))
        _demo_posts(session, main, co_author, books)
        session.flush()
        if importlib.util.find_spec("podcaster.demo.podcast") is not None:
            from .podcast import load_demo_podcast

            load_demo_podcast(session, media_root, main)

        login = ""
        if session.query(User).first() is None:
            # A random password, printed once: a demo site must not share a known login.
            password = secrets.token_urlsafe(12)
            user = User(email=DEMO_ADMIN_EMAIL)
            user.set_password(password)
            session.add(user)
            login = f" Admin login: {DEMO_ADMIN_EMAIL} / {password}"
        session.commit()
    except BaseException:
        session.rollback()
        # Files written for rows that were never committed must not stay behind.
        remove_files(store, sorted(_files_on_disk(store) - before - _committed_paths(session)))
        raise
    return "Demo content loaded." + login


def _files_on_disk(store: MediaStore) -> set[str]:
    return {path.relative_to(store.root).as_posix() for path in store.root.rglob("*") if path.is_file()
            and not path.name.startswith(".")}


def _committed_paths(session: Session) -> set[str]:
    return {media.path for media in session.query(MediaFile)}


def _demo_books(session: Session, store: MediaStore, main: Author, co_author: Author, workshop: list[Author],
                rule) -> list[Book]:
    novel = Book(
        title="The Lantern Years", subtitle="A novel", slug="the-lantern-years", pub_year=2019,
        pub_date=date(2019, 10, 3), isbn=demo_isbn(1001), publisher="Wrenmouth Press", position=0,
        description=(
            "Three sisters, one bakery and the longest winter Wrenmouth has known. When the harbour "
            "freezes, the Calloway sisters keep the ovens lit for a town that has stopped talking.\n\n"
            "> “A quiet book that hums like a kitchen at four in the morning.” — *an invented review*"
        ),
        buy_links=[{"label": "Wrenmouth Press", "url": "https://wrenmouth-press.example/lantern-years"},
                   {"label": "Your local bookshop", "url": "https://bookshop.example/search?q=lantern+years"}],
        cover=_store_png(session, store, cover_png("The Lantern Years", "Ada Quill", COLOURS[0]), "lantern-years.png",
                         rule),
    )
    novel.contributors = [BookContributor(author=main, role=ContributorRole.AUTHOR.value, position=0)]

    duet = Book(
        title="Salt and Static", subtitle="Letters between a novelist and a radio engineer",
        slug="salt-and-static", pub_year=2022, isbn=demo_isbn(1002), publisher="Longwave Books", position=1,
        description="A year of letters about weather, signals and the stubborn work of finishing things.",
        buy_links=[{"label": "Longwave Books", "url": "https://longwave.example/salt-and-static"}],
        cover=_store_png(session, store, cover_png("Salt and Static", "Quill & Fennick", COLOURS[2]),
                         "salt-and-static.png", rule),
    )
    duet.contributors = [
        BookContributor(author=main, role=ContributorRole.AUTHOR.value, position=0),
        BookContributor(author=co_author, role=ContributorRole.CO_AUTHOR.value, position=1),
    ]

    anthology = Book(
        title="Twenty-Eight Doors", subtitle="Stories from the Harbour Workshop", slug="twenty-eight-doors",
        pub_year=2024, isbn=demo_isbn(1003), publisher="Wrenmouth Press", position=2,
        description=(
            "Twelve writers, one town, twenty-eight doors. Each story opens a door in Wrenmouth and "
            "follows whoever walks through it. Edited by Ada Quill, with a foreword by Tomas Fennick."
        ),
        buy_links=[{"label": "Wrenmouth Press", "url": "https://wrenmouth-press.example/twenty-eight-doors"}],
        cover=_store_png(session, store, cover_png("Twenty-Eight Doors", "The Harbour Workshop", COLOURS[3]),
                         "twenty-eight-doors.png", rule),
    )
    credits = [(main, ContributorRole.EDITOR), (co_author, ContributorRole.FOREWORD), (main, ContributorRole.CONTRIBUTOR)]
    credits += [(member, ContributorRole.CONTRIBUTOR) for member in workshop]
    anthology.contributors = [BookContributor(author=author, role=role.value, position=index)
                              for index, (author, role) in enumerate(credits)]
    return [novel, duet, anthology]


def _demo_videos(main: Author, books: list[Book]) -> list[Video]:
    today = date.today()
    return [
        Video(youtube_id="DemoVideo01", title="Reading the first chapter of The Lantern Years",
              description="A reading by the harbour wall (a placeholder link: this demo video does not exist).",
              published_on=today - timedelta(days=200), position=0, author=main, book=books[0]),
        Video(youtube_id="DemoVideo02", title="How the anthology came together",
              description="Twelve writers, one table, a lot of tea (placeholder link).",
              published_on=today - timedelta(days=90), position=1, author=main, book=books[2]),
        Video(youtube_id="DemoVideo03", title="Writing letters on purpose",
              description="On the slow correspondence behind Salt and Static (placeholder link).",
              published_on=today - timedelta(days=40), position=2, author=main, book=books[1]),
        Video(youtube_id="DemoVideo04", title="A workshop warm-up you can do in ten minutes",
              description="An exercise from the Harbour Workshop (placeholder link).",
              published_on=today - timedelta(days=10), position=3, author=main),
    ]


def _demo_posts(session: Session, main: Author, co_author: Author, books: list[Book]) -> None:
    now = utcnow().replace(microsecond=0)
    posts = [
        ("Why I write in the morning", "why-i-write-in-the-morning", main, now - timedelta(days=30),
         Status.PUBLISHED, ["Writing", "Habits"], [books[0]],
         ("For ten years I wrote at night. Then the bakery downstairs changed hands, and the new owners "
         "started at four.\n\n## What changed\n\n- The first hour is for the draft, nothing else.\n"
         "- Coffee comes *after* the first page.\n- The phone stays in another room.\n\n"
         "None of this is a rule. It is simply what worked while I finished *The Lantern Years*.")),
        ("Editing twenty-eight stories", "editing-twenty-eight-stories", main, now - timedelta(days=12),
         Status.PUBLISHED, ["Anthology", "Editing"], [books[2]],
         ("An anthology is a party where every guest brought a different dish. My job as editor was to "
         "set the table so that the soup did not land on the cake.\n\n"
         "We read every story aloud at the workshop, twice. The order of the book came from those "
         "readings: which story made the room go quiet, which one made it laugh.")),
        ("Letters, slowly", "letters-slowly", co_author, now - timedelta(days=3),
         Status.PUBLISHED, ["Letters", "Writing"], [books[1]],
         ("Ada and I agreed on one rule: no reply within a week. The delay turned out to be the point. "
         "A letter written slowly answers the question under the question.")),
        ("Notes for the next novel", "notes-for-the-next-novel", main, None, Status.DRAFT, ["Writing"], [],
         "Working notes. Not for publication yet: a lighthouse, a missing brother, a recipe."),
        ("Announcing the autumn reading tour", "autumn-reading-tour", main, now + timedelta(days=7),
         Status.SCHEDULED, ["News"], [books[0], books[2]],
         "The workshop is going on the road: six invented towns, six readings, one very small van."),
    ]
    for title, slug, author, publish_at, status, tags, post_books, body in posts:
        session.add(Post(title=title, slug=slug, author=author, publish_at=publish_at, status=status.value,
                         tags=_tags(session, tags), books=post_books, body=body))
