"""Getting a feed that is current: from the cache when fresh, rebuilt and stored when not.

The web layer (and the ``check-feed`` command) call these with a session, the
present time and a function making absolute URLs; nothing here knows about
requests.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...models import Post, Show
from ..podcasts import podcast_guid
from ..publishing import next_change_time, visible_filter
from ..text import forbidden_message, strip_forbidden
from . import cache
from .atom import MAX_POSTS, BlogLinks, build_blog_feed
from .loading import load_show_for_feed
from .podcast import FeedLinks, build_podcast_feed


def assign_podcast_guid(session: Session, show: Show, feed_url: str) -> bool:
    """Give a show its podcast:guid once, from its feed URL; a guid already set is kept forever.

    Returns:
        True when a guid was assigned (and committed).
    """
    if show.podcast_guid:
        return False
    show.podcast_guid = podcast_guid(feed_url)
    session.commit()
    return True


def rebuild_show_feed(session: Session, show_id: int, now: datetime,
                      make_links: Callable[[Show], FeedLinks]) -> cache.CachedFeed:
    """Build a show's feed from the database and store it in the cache.

    Args:
        session: the database session.
        show_id: the show.
        now: the present: which episodes are public, and when the next one is due.
        make_links: makes the show's absolute URLs.

    Returns:
        The stored entry, with its bytes.
    """
    show = session.get(Show, show_id)
    assign_podcast_guid(session, show, make_links(show).feed_url)

    def build() -> tuple[bytes, datetime | None]:
        loaded, episodes = load_show_for_feed(session, show_id, now)
        try:
            body = build_podcast_feed(loaded, episodes, make_links(loaded))
        except ValueError as exc:  # lxml refuses text XML cannot carry
            raise _explained(exc, [(f"The show “{loaded.title}”", loaded)]
                             + [(f"Episode “{episode.title}” ({episode.slug})", episode) for episode in episodes])
        return body, cache.next_show_publication(session, show_id, now)

    return cache.rebuild(session, cache.show_key(show_id), now, build, show_id=show_id)


def rebuild_blog_feed(session: Session, now: datetime, site_title: str, links: BlogLinks) -> cache.CachedFeed:
    """Build the blog's Atom feed from the database and store it in the cache."""

    def build() -> tuple[bytes, datetime | None]:
        posts = session.execute(
            select(Post).where(visible_filter(Post, now)).order_by(Post.publish_at.desc(), Post.id.desc())
            .limit(MAX_POSTS).options(selectinload(Post.author), selectinload(Post.tags))
        ).scalars().all()
        try:
            body = build_blog_feed(site_title, posts, links, now)
        except ValueError as exc:
            raise _explained(exc, [(f"Post “{post.title}” ({post.slug})", post) for post in posts]
                             + [(f"Author “{post.author.name}”", post.author) for post in posts if post.author])
        return body, next_change_time(session, [Post], now)

    return cache.rebuild(session, cache.BLOG_KEY, now, build)


#: The text attributes a feed is written from.
_TEXT_FIELDS = ("title", "subtitle", "description", "summary", "notes", "body", "excerpt", "name",
                "author_name", "owner_name", "copyright")


def _explained(exc: ValueError, items: list[tuple[str, object]]) -> Exception:
    """A ``FeedBuildError`` naming the item and field holding a forbidden character, else ``exc`` itself."""
    for label, item in items:
        for name in _TEXT_FIELDS:
            value = getattr(item, name, None)
            message = forbidden_message(value, f"{strip_forbidden(label)}: {name}") if isinstance(value, str) else None
            if message:
                return cache.FeedBuildError(message)
    return exc


def fresh(session: Session, entry: cache.CachedFeed | None, now: datetime,
          rebuild: Callable[[], cache.CachedFeed]) -> cache.CachedFeed:
    """``entry`` when it is still fresh at ``now``, else a rebuilt one."""
    if entry is None or not entry.is_fresh(now):
        return rebuild()
    return entry


def with_bodies(session: Session, entry: cache.CachedFeed,
                rebuild: Callable[[], cache.CachedFeed]) -> cache.CachedFeed:
    """``entry`` with its bytes; rebuilt when another worker replaced the row in between."""
    loaded = cache.with_bodies(session, entry)
    return loaded if loaded.body is not None else rebuild()
