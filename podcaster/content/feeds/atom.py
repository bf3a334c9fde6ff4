"""The blog's Atom feed: published posts with author, summary and full sanitised content."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator

from ...models import Author, Post
from ..markup import plain_text, render_markdown, safe_plain
from .podcast import aware

#: How many posts the feed lists (newest first).
MAX_POSTS = 50


@dataclass(frozen=True)
class BlogLinks:
    """Absolute URLs the blog feed points at, made by the web layer."""

    feed_url: str
    blog_page: str
    post_page: Callable[[Post], str]
    author_page: Callable[[Author], str | None]


def build_blog_feed(site_title: str, posts: Sequence[Post], links: BlogLinks, empty_updated: datetime) -> bytes:
    """Write the blog's Atom feed.

    Args:
        site_title: the feed title.
        posts: the public posts, newest first (at most ``MAX_POSTS`` are listed).
        links: the absolute URLs to use.
        empty_updated: the feed's <updated> when there is no post yet.

    Returns:
        The feed as UTF-8 XML bytes.
    """
    posts = list(posts)[:MAX_POSTS]
    fg = FeedGenerator()
    fg.id(links.feed_url)
    fg.title(f"{site_title}: blog")
    fg.link(href=links.blog_page, rel="alternate", type="text/html")
    fg.link(href=links.feed_url, rel="self", type="application/atom+xml")
    fg.generator("Podcaster")
    authors = {post.author.name: post.author for post in posts if post.author is not None}
    for author in authors.values():
        fg.author(_author(author, links))
    if not authors:
        fg.author({"name": site_title})
    moments = [moment for post in posts for moment in (post.updated_at, post.publish_at) if moment]
    fg.updated(aware(max(moments) if moments else empty_updated))
    for post in posts:
        entry = fg.add_entry(order="append")  # feedgen prepends by default
        url = links.post_page(post)
        entry.id(url)
        entry.title(post.title)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(aware(post.publish_at))
        entry.updated(aware(max(post.updated_at or post.publish_at, post.publish_at)))
        if post.author is not None:
            entry.author(_author(post.author, links))
        entry.summary(safe_plain(post.excerpt) or plain_text(post.body, 300) or post.title)
        entry.content(render_markdown(post.body), type="html")
        for tag in post.tags:
            entry.category(term=tag.slug, label=tag.name)
    return fg.atom_str(pretty=False, encoding="UTF-8", xml_declaration=True)


def _author(author: Author, links: BlogLinks) -> dict:
    found = {"name": author.name}
    page = links.author_page(author)
    if page:
        found["uri"] = page
    return found
