"""Public pages: home, about, authors, books, videos, blog."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from ..content.publishing import visible_filter
from ..extensions import db
from ..models import Author, Book, BookContributor, ContributorRole, Post, Show, ShowAuthor, Tag, Video
from ..models.posts import post_books, post_tags
from ..models.shows import Episode, episode_books
from . import current_time

bp = Blueprint("public", __name__)

HOME_POSTS = 3
HOME_BOOKS = 6
HOME_VIDEOS = 4
VIDEOS_PER_PAGE = 24

_ROLE_HEADINGS = {
    ContributorRole.AUTHOR.value: ("Author", "Authors"),
    ContributorRole.CO_AUTHOR.value: ("Co-author", "Co-authors"),
    ContributorRole.EDITOR.value: ("Editor", "Editors"),
    ContributorRole.FOREWORD.value: ("Foreword", "Foreword"),
    ContributorRole.CONTRIBUTOR.value: ("Contributor", "Contributors"),
}


def main_author() -> Author | None:
    """The site's main author (or, if none is marked, the first author)."""
    return db.session.execute(
        db.select(Author).order_by(Author.is_main.desc(), Author.position, Author.id).limit(1)
    ).scalar_one_or_none()


def _visible_posts():
    return db.select(Post).where(visible_filter(Post, current_time())).order_by(
        Post.publish_at.desc(), Post.id.desc()
    )


def _books_query():
    return db.select(Book).order_by(Book.position, Book.pub_year.desc(), Book.title)


def _videos_query():
    return db.select(Video).order_by(Video.position, Video.published_on.desc(), Video.id.desc())


def _latest_videos():
    """Videos newest first ("Latest videos"): by publication date, undated ones last."""
    return db.select(Video).order_by(Video.published_on.desc().nulls_last(), Video.id.desc())


def _page_number() -> int:
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(404)
    return int(page)


def _paginate(query, per_page: int):
    return db.paginate(query, page=_page_number(), per_page=per_page, error_out=True, count=True)


@bp.route("/")
def index():
    """The home page: the main author, latest posts, books and videos."""
    return render_template(
        "public/index.html",
        author=main_author(),
        posts=db.session.execute(_visible_posts().limit(HOME_POSTS)).scalars().all(),
        books=db.session.execute(_books_query().limit(HOME_BOOKS)).scalars().all(),
        videos=db.session.execute(_latest_videos().limit(HOME_VIDEOS)).scalars().all(),
    )


def _render_author(author: Author, is_about: bool):
    credits = db.session.execute(
        db.select(BookContributor).join(Book).where(BookContributor.author_id == author.id)
        .order_by(Book.position, Book.pub_year.desc(), Book.title)
    ).scalars().all()
    books, seen = [], set()
    for credit in credits:
        if credit.book_id not in seen:
            seen.add(credit.book_id)
            books.append((credit.book, credit.role))
    return render_template(
        "public/author.html",
        author=author,
        is_about=is_about,
        books=books,
        videos=db.session.execute(_videos_query().where(Video.author_id == author.id)).scalars().all(),
        shows=db.session.execute(
            db.select(Show).join(ShowAuthor).where(ShowAuthor.author_id == author.id)
            .order_by(Show.position, Show.title)
        ).scalars().unique().all(),
        posts=db.session.execute(_visible_posts().where(Post.author_id == author.id).limit(5)).scalars().all(),
    )


@bp.route("/about")
def about():
    """The main author's page: photo, full bio, books, videos, links."""
    author = main_author()
    if author is None:  # a fresh site: the page exists, it just has nothing to say yet
        return render_template("public/about_empty.html")
    return _render_author(author, is_about=True)


@bp.route("/authors/<slug>")
def author(slug: str):
    """An author's page."""
    found = db.first_or_404(db.select(Author).where(Author.slug == slug))
    return _render_author(found, is_about=False)


@bp.route("/books")
def books():
    """Every book, in the author's chosen order."""
    return render_template("public/books.html", books=db.session.execute(_books_query()).scalars().all())


def contributors_by_role(book: Book) -> list[tuple[str, list[Author]]]:
    """The book's contributors grouped under role headings, roles in a fixed order, people in credit order."""
    groups = []
    for role in ContributorRole:
        people = [credit.author for credit in book.contributors if credit.role == role.value]
        if people:
            singular, plural = _ROLE_HEADINGS[role.value]
            groups.append((singular if len(people) == 1 else plural, people))
    return groups


@bp.route("/books/<slug>")
def book(slug: str):
    """A book: cover, details, description, where to buy, contributors."""
    found = db.first_or_404(db.select(Book).where(Book.slug == slug))
    videos = db.session.execute(_videos_query().where(Video.book_id == found.id)).scalars().all()
    posts = db.session.execute(
        _visible_posts().join(post_books).where(post_books.c.book_id == found.id)
    ).scalars().all()
    episodes = db.session.execute(
        db.select(Episode).join(episode_books).where(episode_books.c.book_id == found.id)
        .where(visible_filter(Episode, current_time()))
        .order_by(Episode.publish_at.desc(), Episode.id.desc())
    ).scalars().all()
    return render_template("public/book.html", book=found, groups=contributors_by_role(found), videos=videos,
                           mentions_posts=posts, mentions_episodes=episodes)


@bp.route("/videos")
def videos():
    """The video list: thumbnails linking to YouTube; embeds only on request."""
    page = _paginate(_videos_query(), VIDEOS_PER_PAGE)
    return render_template("public/videos.html", page=page, videos=page.items)


@bp.route("/blog")
def blog():
    """Published posts, newest first, a page at a time."""
    page = _paginate(_visible_posts(), current_app.config["POSTS_PER_PAGE"])
    return render_template("public/blog.html", page=page, posts=page.items, tag=None)


@bp.route("/blog/tag/<tag>")
def tag(tag: str):
    """Published posts with one tag."""
    found = db.first_or_404(db.select(Tag).where(Tag.slug == tag))
    query = _visible_posts().join(post_tags).where(post_tags.c.tag_id == found.id)
    page = _paginate(query, current_app.config["POSTS_PER_PAGE"])
    return render_template("public/blog.html", page=page, posts=page.items, tag=found)


@bp.route("/blog/<slug>")
def post(slug: str):
    """One post with its author box; drafts and posts scheduled for later are not found."""
    found = db.first_or_404(_visible_posts().where(Post.slug == slug))
    return render_template("public/post.html", post=found, preview=False)
