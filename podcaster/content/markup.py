"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitises.

Whatever the author types, the output carries no script, no event handler and
no ``javascript:`` URL: nh3 keeps an allow-list of tags, attributes and URL
schemes, so anything not on it is dropped.

Rendering costs about a second per 100 KB of markdown (markdown-it-py is pure
Python), and pages render the same text on every view: ``render_markdown``
remembers recent results by content, within a byte budget.
"""
from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict

import nh3
from lxml import etree
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkLabel

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


@functools.lru_cache(maxsize=4)
def _last_close_bracket(source: str) -> int:
    return source.rfind("]")


def _link_label_end(state, start: int, disable_nested: bool = False) -> int:
    """markdown-it's ``parseLinkLabel``, answering at once when no ``]`` follows ``start``.

    Each unclosed ``[`` or ``![`` makes markdown-it scan on for its ``]`` through nested
    tries at every later bracket: 150 KB of ``![`` cost seconds. A label cannot end
    where there is no ``]`` left, so that case needs no scan.
    """
    if _last_close_bracket(state.src) <= start:
        return -1
    return parseLinkLabel(state, start, disable_nested)


# The link and image rules look the helper up on the instance, so only our parser changes.
_md.helpers.parseLinkLabel = _link_label_end


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


class _RenderedCache:
    """The HTML of recently rendered sources, least recently used dropped first, within a character budget."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._size = 0
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: str) -> str | None:
        with self._lock:
            html = self._items.get(source)
            if html is not None:
                self._items.move_to_end(source)
            return html

    def put(self, source: str, html: str) -> None:
        cost = len(source) + len(html)
        if cost > self._budget // 4:
            return
        with self._lock:
            if source in self._items:
                return
            self._items[source] = html
            self._size += cost
            while self._size > self._budget:
                old_source, old_html = self._items.popitem(last=False)
                self._size -= len(old_source) + len(old_html)


#: About 64 MB of text per process at most.
_rendered = _RenderedCache(32_000_000)


def render_markdown(text: str | None) -> str:
    """Render markdown to sanitised HTML (remembered by content: the same text is rendered once).

    Args:
        text: markdown source; None or empty gives "".

    Returns:
        Safe HTML.
    """
    if not text:
        return ""
    html = _rendered.get(text)
    if html is None:
        html = sanitize_html(_md.render(text))
        _rendered.put(text, html)
    return html


#: Elements that end a line of plain text.
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "br", "hr", "ul", "ol",
           "table", "div"}
# What a browser would read as the start of a tag, a comment or a declaration.
_TAG_START_RE = re.compile(r"<(?=[A-Za-z/!?])[^>]*>?")
_SPACE_RE = re.compile(r"[^\S\n]+")
_LINES_RE = re.compile(r"\s*\n\s*")


# Pages ask for the same excerpts on every view; the HTML strings mostly come from the memo above.
# Room for every excerpt of a crawl through a long archive's list pages, not just one page's.
@functools.lru_cache(maxsize=4096)
def text_of_html(html: str) -> str:
    """The text of (sanitised) HTML: blocks and list items on lines of their own, no markup at all.

    The result may be placed where readers render HTML (feed descriptions): entities are
    decoded, so anything that would read as a tag is dropped.
    """
    if not html.strip():
        return ""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    parts: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(element.tag, str):  # comments and processing instructions
            if event == "end" and element.tail:
                parts.append(element.tail)
            continue
        if event == "start":
            parts.append(element.text or "")
        else:
            if element.tag in _BLOCKS:
                parts.append("\n")
            if element is not root:
                parts.append(element.tail or "")
    return safe_plain("".join(parts))


def safe_plain(text: str | None) -> str:
    """Plain text as it may go where readers render HTML: tag-like runs dropped, spaces tidied.

    Line breaks are kept (one per line, no blank lines); other runs of spaces become one space.

    Args:
        text: text typed as plain (an episode summary) or extracted from HTML.
    """
    text = _TAG_START_RE.sub("", text or "")
    text = _SPACE_RE.sub(" ", text)
    return _LINES_RE.sub("\n", text).strip()


def plain_text(text: str | None, limit: int | None = None) -> str:
    """Render markdown and reduce it to plain text, for excerpts, meta descriptions and feed descriptions.

    Args:
        text: markdown source.
        limit: cut to at most this many characters, at a word boundary, with an ellipsis.

    Returns:
        The plain text: each paragraph, heading and list item on its own line, and nothing a
        reader could render as markup.
    """
    plain = text_of_html(render_markdown(text))
    if limit is not None and len(plain) > limit:
        plain = re.split(r"\s(?=\S*$)", plain[: limit - 1])[0].rstrip(",.;:") + "…"
    return plain
