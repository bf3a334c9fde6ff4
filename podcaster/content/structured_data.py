"""schema.org JSON-LD for search engines, built from plain values.

Every builder returns a dict; ``to_script`` turns it into a safe
``<script type="application/ld+json">`` block (a data block, never executed, so
the Content-Security-Policy allows it).
"""
from __future__ import annotations

import json
from datetime import date, datetime

from markupsafe import Markup


def _drop_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def person(name: str, url: str, *, description: str = "", image: str | None = None,
           same_as: list[str] | None = None) -> dict:
    return _drop_empty({"@context": "https://schema.org", "@type": "Person", "name": name, "url": url,
                        "description": description, "image": image, "sameAs": same_as or []})


def website(name: str, url: str, *, description: str = "", logo: str | None = None) -> dict:
    """The site itself: its name (the settings' title) and tagline, with its logo as publisher's."""
    publisher = _drop_empty({"@type": "Organization", "name": name, "logo": logo}) if logo else None
    return _drop_empty({"@context": "https://schema.org", "@type": "WebSite", "name": name, "url": url,
                        "description": description, "publisher": publisher})


def book(title: str, url: str, *, authors: list[dict], isbn: str = "", year: int | None = None,
         published: date | None = None, publisher: str = "", description: str = "",
         image: str | None = None, offers: list[str] | None = None) -> dict:
    return _drop_empty({
        "@context": "https://schema.org", "@type": "Book", "name": title, "url": url,
        "author": [_drop_empty({"@type": "Person", "name": a["name"], "url": a.get("url")}) for a in authors],
        "isbn": isbn, "datePublished": _iso(published) or (str(year) if year else None),
        "publisher": _drop_empty({"@type": "Organization", "name": publisher}) if publisher else None,
        "description": description, "image": image,
        "offers": [{"@type": "Offer", "url": link} for link in offers or []],
    })


def podcast_series(title: str, url: str, *, description: str = "", image: str | None = None,
                   feed_url: str | None = None, author: str = "") -> dict:
    return _drop_empty({
        "@context": "https://schema.org", "@type": "PodcastSeries", "name": title, "url": url,
        "description": description, "image": image, "webFeed": feed_url,
        "author": _drop_empty({"@type": "Person", "name": author}) if author else None,
    })


def _iso_duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    total = int(round(seconds))
    return f"PT{total // 3600}H{total % 3600 // 60}M{total % 60}S"


def podcast_episode(title: str, url: str, *, series_title: str, series_url: str,
                    published: datetime | None, description: str = "", audio_url: str | None = None,
                    audio_type: str = "", duration: float | None = None, number: int | None = None,
                    image: str | None = None) -> dict:
    return _drop_empty({
        "@context": "https://schema.org", "@type": "PodcastEpisode", "name": title, "url": url,
        "datePublished": _iso(published), "description": description, "episodeNumber": number,
        "image": image, "timeRequired": _iso_duration(duration),
        "partOfSeries": {"@type": "PodcastSeries", "name": series_title, "url": series_url},
        "associatedMedia": _drop_empty({"@type": "MediaObject", "contentUrl": audio_url,
                                        "encodingFormat": audio_type,
                                        "duration": _iso_duration(duration)}) if audio_url else None,
    })


def blog_posting(title: str, url: str, *, published: datetime | None, modified: datetime | None,
                 author_name: str = "", author_url: str | None = None, description: str = "",
                 image: str | None = None, keywords: list[str] | None = None) -> dict:
    return _drop_empty({
        "@context": "https://schema.org", "@type": "BlogPosting", "headline": title, "url": url,
        "mainEntityOfPage": url, "datePublished": _iso(published), "dateModified": _iso(modified),
        "author": _drop_empty({"@type": "Person", "name": author_name, "url": author_url})
        if author_name else None,
        "description": description, "image": image, "keywords": ", ".join(keywords or []),
    })


def video_object(title: str, *, watch_url: str, embed_url: str, thumbnail_url: str,
                 description: str = "", uploaded: date | None = None) -> dict:
    # Google requires uploadDate for VideoObject; the creation date stands in when none is known.
    return _drop_empty({
        "@context": "https://schema.org", "@type": "VideoObject", "name": title,
        "description": description or title, "thumbnailUrl": [thumbnail_url], "contentUrl": watch_url,
        "embedUrl": embed_url, "uploadDate": _iso(uploaded),
    })


def to_script(data: dict | list) -> Markup:
    """Serialise JSON-LD into a script block that user text cannot break out of.

    ``<``, ``>`` and ``&`` are written as unicode escapes, so a title containing
    ``</script>`` stays inside the JSON string.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')
