"""Every page runs the same number of SQL statements at 10 and at 200 episodes and posts (no N+1)."""
from __future__ import annotations

from podcaster.extensions import db
from podcaster.models import Author, Book, Episode, Post, Show, Video

from ..helpers.feeds import NOW, set_clock
from ..helpers.queries import SHOW_SLUG, seed_catalogue, statements_for
from ..helpers.web import AuthActions

SMALL, LARGE = 10, 200

PUBLIC_PAGES = (
    "/", "/about", "/authors/ada-quill", "/books", "/books/quiet-rooms", "/podcasts/", f"/podcasts/{SHOW_SLUG}",
    f"/podcasts/{SHOW_SLUG}/episode-1", "/blog", "/blog/post-1",
    "/blog/tag/news", "/videos", "/robots.txt", "/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/posts-1.xml",
    f"/sitemaps/podcasts/{SHOW_SLUG}/episodes-1.xml",
    # Each feed twice: the first request rebuilds it (the seeding marked it stale), the second is served.
    f"/podcasts/{SHOW_SLUG}/feed.xml", f"/podcasts/{SHOW_SLUG}/feed.xml", "/blog/feed.xml", "/blog/feed.xml",
)


def _admin_pages(app) -> tuple[str, ...]:
    with app.app_context():
        def first(model):
            return db.session.execute(db.select(model.id).order_by(model.id).limit(1)).scalar_one()
        show, episode, post = first(Show), first(Episode), first(Post)
        author, book, video = first(Author), first(Book), first(Video)
    return (
        "/admin/", "/admin/shows/", f"/admin/shows/{show}/edit", f"/admin/shows/{show}/episodes/", f"/admin/shows/{show}/episodes/new",
        f"/admin/episodes/{episode}/edit", "/admin/authors/", f"/admin/authors/{author}/edit", "/admin/books/",
        f"/admin/books/{book}/edit", "/admin/posts/", "/admin/posts/new",
        f"/admin/posts/{post}/edit", f"/admin/posts/{post}/preview", "/admin/videos/",
        f"/admin/videos/{video}/edit", "/admin/feed-doctor",
    )


def _counts(app, client, urls) -> dict[str, int]:
    counts = {}
    for index, url in enumerate(urls):
        status, number, statements = statements_for(app, client, url)
        assert status == 200, (url, status)
        counts[f"{url} (request {index + 1})"] = number
    return counts


def test_every_page_runs_as_many_statements_at_200_episodes_and_posts_as_at_10(app):
    """Seeded at 10, then grown to 200: any page whose count moved loads rows one by one."""
    set_clock(app, NOW)
    app.config["POSTS_PER_PAGE"] = 20  # a list page holds more items at 200 than at 10
    visitor, author = app.test_client(), app.test_client()
    AuthActions(author).login()
    seed_catalogue(app, episodes=1, posts=1, now=NOW)
    # Every page seen once, so each size measures the same path: a stored feed rebuilt, stored health updated.
    _counts(app, visitor, PUBLIC_PAGES)
    _counts(app, author, _admin_pages(app))
    counts = {}
    for size in (SMALL, LARGE):
        seed_catalogue(app, episodes=size, posts=size, now=NOW)
        counts[size] = {**_counts(app, visitor, PUBLIC_PAGES), **_counts(app, author, _admin_pages(app))}
    small, large = counts[SMALL], counts[LARGE]
    print(small)
    assert {url: (small[url], large[url]) for url in small if small[url] != large[url]} == {}
    assert small["/ (request 1)"] > 0  # the listener really counts
