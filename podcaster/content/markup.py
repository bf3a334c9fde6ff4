"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitises.

Whatever the author types, the output carries no script, no event handler and
no ``javascript:`` URL: nh3 keeps an allow-list of tags, attributes and URL
schemes, so anything not on it is dropped.
"""
from __future__ import annotations

import html as html_lib
import re

import nh3
from markdown_it import MarkdownIt

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_URL_SCHEMES = {"http", "https", "mailto"}

# "commonmark" plus tables and strikethrough; raw HTML in the source is allowed
# through the parser and then filtered by nh3, so harmless inline tags still work.
_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def sanitize_html(html: str) -> str:
    """Reduce HTML to the allow-listed tags, attributes and URL schemes.

    Args:
        html: untrusted HTML.

    Returns:
        HTML safe to place in a page or a feed.
    """
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str | None) -> str:
    """Render markdown to sanitised HTML.

    Args:
        text: markdown source; None or empty gives "".

    Returns:
        Safe HTML.
    """
    if not text:
        return ""
    return sanitize_html(_md.render(text))


_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")


def plain_text(text: str | None, limit: int | None = None) -> str:
    """Render markdown and strip it to plain text, for excerpts and meta descriptions.

    Args:
        text: markdown source.
        limit: cut to at most this many characters, at a word boundary, with an ellipsis.

    Returns:
        The plain text.
    """
    html = render_markdown(text)
    plain = _SPACE_RE.sub(" ", nh3.clean(html, tags=set())).strip()
    plain = html_lib.unescape(plain)
    if limit is not None and len(plain) > limit:
        plain = plain[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
    return plain
