"""Lists that grow without bound come a page at a time, linked with rel=next / rel=prev."""
from __future__ import annotations

import re

from ..helpers.feeds import NOW, set_clock
from ..helpers.queries import SHOW_SLUG, seed_catalogue
from ..helpers.web import page_text


def _rows(html: str, pattern: str) -> int:
    """How many items the page lists (a card may link its item several times: cover, title, play)."""
    return len(set(re.findall(pattern, html)))


def _rel(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"|<a href="([^"]+)" rel="{rel}"', html)
    return found and (found.group(1) or found.group(2)).replace("&amp;", "&")


def test_long_lists_are_paginated_with_rel_links(app, client, auth):
    set_clock(app, NOW)
    app.config["POSTS_PER_PAGE"] = 20
    seed_catalogue(app, episodes=70, posts=70, now=NOW)
    auth.login()
    lists = {  # first page, what one row looks like, rows on the first and the last page
        "/admin/shows/1/episodes/": (r'href="/admin/episodes/\d+/edit"', 50, 20),
        "/admin/posts/": (r'href="/admin/posts/\d+/edit"', 50, 20),
        f"/podcasts/{SHOW_SLUG}": (rf'href="/podcasts/{SHOW_SLUG}/episode-\d+"', 20, 10),
        "/blog": (r'href="/blog/post-\d+"', 20, 10),
    }
    for first, (row, first_rows, last_rows) in lists.items():
        html = page_text(client.get(first))
        assert _rows(html, row) == first_rows, first
        assert _rel(html, "prev") is None, first
        seen, url = set(re.findall(row, html)), _rel(html, "next")
        pages = 1
        while url is not None:
            assert pages < 10, first
            response = client.get(url)
            assert response.status_code == 200, url
            html, pages = page_text(response), pages + 1
            assert _rel(html, "prev") is not None, url
            seen |= set(re.findall(row, html))
            last, url = html, _rel(html, "next")
        assert len(seen) == 70, first  # every item, each on one page
        assert pages == 70 // first_rows + 1, first
        assert _rows(last, row) == last_rows, first
    assert client.get("/admin/posts/?page=9").status_code == 404
