"""The embeddable player: ``/embed/<show>/<episode>`` for other sites' iframes, and its oEmbed description.

Both are cookie-free (``sessions.COOKIE_FREE_ENDPOINTS``) and the player alone may be framed by any
site (``security.FRAMEABLE_ENDPOINTS``); drafts and future episodes answer 404 on both.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from .feeds import PUBLIC_READ_HEADERS
from .podcasts import visible_episode_or_404
from .structured import media_url
from .urls import absolute_url

bp = Blueprint("embed", __name__)

#: The iframe's size in the oEmbed answer and the share dialog (CSS pixels); the page fits any width.
EMBED_WIDTH = 560
EMBED_HEIGHT = 200
#: Pages an oEmbed ``url`` may name: an episode page or its embed page.
EMBEDDABLE_ENDPOINTS = frozenset({"podcasts.episode", "embed.player"})


def iframe_html(show_slug: str, episode_slug: str, title: str, width: int = EMBED_WIDTH,
                height: int = EMBED_HEIGHT) -> str:
    """The iframe code another site pastes to show an episode's player."""
    src = absolute_url("embed.player", show_slug=show_slug, episode_slug=episode_slug)
    return (f'<iframe src="{escape(src)}" title="{escape(title)}" width="{width}" height="{height}" '
            'style="border:0;max-width:100%" loading="lazy" allow="autoplay"></iframe>')


@bp.app_context_processor
def embed_helpers():
    """Let the episode page's share dialog show the iframe code."""
    return {"embed_iframe": iframe_html}


@bp.route("/embed/<show_slug>/<episode_slug>")
def player(show_slug: str, episode_slug: str):
    """An episode's player alone, for an iframe on another site: artwork, titles, the player, a link home."""
    show, episode = visible_episode_or_404(show_slug, episode_slug)
    return render_template("embed/player.html", show=show, episode=episode)


def _dimension(name: str, default: int) -> int:
    value = request.args.get(name, type=int)
    return default if value is None or value <= 0 else min(default, value)


@bp.route("/oembed")
def oembed():
    """oEmbed (https://oembed.com) for an episode page's URL: a "rich" answer whose html is the player iframe.

    ``format`` other than json answers 501 (as the specification asks), a missing ``url`` 400, and a URL
    that is not one of our public episodes 404.
    """
    if request.args.get("format", "json") != "json":
        abort(501, description="Only format=json is offered.")
    url = request.args.get("url", "").strip()
    if not url:
        abort(400, description="oEmbed needs the url of an episode page: /oembed?url=...")
    site = urlsplit(current_app.config["SITE_URL"])
    asked = urlsplit(url)
    if (asked.scheme, asked.netloc) != (site.scheme, site.netloc):
        abort(404)
    try:
        endpoint, values = current_app.url_map.bind("localhost").match(asked.path, method="GET")
    except HTTPException:
        abort(404)
    if endpoint not in EMBEDDABLE_ENDPOINTS:
        abort(404)
    show, episode = visible_episode_or_404(values["show_slug"], values["episode_slug"])
    width, height = _dimension("maxwidth", EMBED_WIDTH), _dimension("maxheight", EMBED_HEIGHT)
    answer = {
        "version": "1.0", "type": "rich", "title": episode.title,
        "author_name": show.author_name or show.title,
        "author_url": absolute_url("podcasts.show", show_slug=show.slug),
        "provider_name": current_app.config["SITE_TITLE"],
        "provider_url": current_app.config["SITE_URL"] + "/",
        "html": iframe_html(show.slug, episode.slug, f"{episode.title} · {show.title}", width, height),
        "width": width, "height": height, "cache_age": 3600,
    }
    image = episode.artwork or show.artwork
    if image is not None:
        shown = image.variant_or_self("thumb")
        answer.update(thumbnail_url=media_url(image, "thumb"), thumbnail_width=shown.width,
                      thumbnail_height=shown.height)
    response = jsonify(answer)
    response.headers.update({**PUBLIC_READ_HEADERS, "Cache-Control": "public, max-age=3600"})
    return response
