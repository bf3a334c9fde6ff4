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
        return (build_podcast_feed(loaded, episodes, make_links(loaded)),
                cache.next_show_publication(session, show_id, now))

    return cache.rebuild(session, cache.show_key(show_id), now, build, show_id=show_id)


def rebuild_blog_feed(session: Session, now: datetime, site_title: str, links: BlogLinks) -> cache.CachedFeed:
    """Build the blog's Atom feed from the database and store it in the cache."""

    def build() -> tuple[bytes, datetime | None]:
        posts = session.execute(
            select(Post).where(visible_filter(Post, now)).order_by(Post.publish_at.desc(), Post.id.desc())
            .limit(MAX_POSTS).options(selectinload(Post.author), selectinload(Post.tags))
        ).scalars().all()
        return build_blog_feed(site_title, posts, links, now), next_change_time(session, [Post], now)

    return cache.rebuild(session, cache.BLOG_KEY, now, build)


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
