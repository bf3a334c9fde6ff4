"""JSON-LD and sharing metadata for models, with absolute URLs (template helpers)."""
from __future__ import annotations

from flask import current_app
from markupsafe import Markup

from ..content import structured_data as ld
from ..content.markup import plain_text
from ..content.site import Site
from ..models import Author, Book, Episode, MediaFile, Post, Show, Video
from .urls import absolute_url


def media_url(media: MediaFile | None, variant: str | None = None) -> str | None:
    """The absolute URL of a stored file (or of one of its variants), None when there is none."""
    if media is None:
        return None
    if variant:
        media = media.variant_or_self(variant)
    return absolute_url("media.serve", path=media.path)


def _author_url(author: Author) -> str | None:
    return absolute_url("public.author", slug=author.slug) if "public.author" in current_app.view_functions else None


def _book_authors(book: Book) -> list:
    """The credits schema.org should name as the book's author: its authors, else (an anthology) its editors,
    else whoever contributed; search engines ignore a Book without an author."""
    for roles in (("author", "co-author"), ("editor",), None):
        credits = [c for c in book.contributors if roles is None or c.role in roles]
        if credits:
            return credits
    return []


def structured_data(obj) -> dict | None:
    """The schema.org description of a model instance, or None for other objects."""
    if isinstance(obj, Site):
        logo = absolute_url("media.serve", path=obj.logo_path) if obj.logo_path else None
        return ld.website(obj.title, current_app.config["SITE_URL"] + "/", description=obj.tagline, logo=logo)
    if isinstance(obj, Author):
        same_as = [url for url in [obj.website_url, obj.youtube_url] + [link.get("url") for link in obj.links or []]
                   if url]
        return ld.person(obj.name, _author_url(obj) or current_app.config["SITE_URL"] + "/",
                         description=plain_text(obj.short_bio or obj.bio, 300),
                         image=media_url(obj.photo), same_as=same_as)
    if isinstance(obj, Book):
        return ld.book(
            obj.title, absolute_url("public.book", slug=obj.slug),
            authors=[{"name": c.author.name, "url": _author_url(c.author)} for c in _book_authors(obj)],
            isbn=obj.isbn, year=obj.pub_year, published=obj.pub_date, publisher=obj.publisher,
            description=plain_text(obj.description, 500), image=media_url(obj.cover),
            offers=[link["url"] for link in obj.buy_links or [] if link.get("url")],
        )
    if isinstance(obj, Show):
        feed = absolute_url("feeds.podcast", show_slug=obj.slug) if "feeds.podcast" in current_app.view_functions \
            else None
        return ld.podcast_series(obj.title, absolute_url("podcasts.show", show_slug=obj.slug),
                                 description=plain_text(obj.description, 500),
                                 image=media_url(obj.artwork, "feed"), feed_url=feed, author=obj.author_name)
    if isinstance(obj, Episode):
        return ld.podcast_episode(
            obj.title, absolute_url("podcasts.episode", show_slug=obj.show.slug, episode_slug=obj.slug),
            series_title=obj.show.title, series_url=absolute_url("podcasts.show", show_slug=obj.show.slug),
            published=obj.publish_at, description=plain_text(obj.summary or obj.notes, 500),
            audio_url=media_url(obj.audio) or obj.remote_audio_url or None,
            audio_type=obj.audio.mime_type if obj.audio else obj.remote_audio_type,
            duration=obj.duration, number=obj.number, image=media_url(obj.artwork or obj.show.artwork, "feed"),
        )
    if isinstance(obj, Post):
        return ld.blog_posting(
            obj.title, absolute_url("public.post", slug=obj.slug), published=obj.publish_at,
            modified=obj.updated_at, author_name=obj.author.name if obj.author else "",
            author_url=_author_url(obj.author) if obj.author else None,
            description=obj.excerpt or plain_text(obj.body, 300), image=media_url(obj.author.photo)
            if obj.author else None, keywords=[tag.name for tag in obj.tags],
        )
    if isinstance(obj, Video):
        return ld.video_object(obj.title, watch_url=obj.watch_url, embed_url=obj.embed_url,
                               thumbnail_url=obj.thumbnail_url, description=obj.description,
                               uploaded=obj.published_on or obj.created_at.date())
    return None


def jsonld(*objects) -> Markup:
    """Script blocks describing each object (template global)."""
    blocks = [structured_data(obj) for obj in objects]
    return Markup("\n").join(ld.to_script(block) for block in blocks if block)
