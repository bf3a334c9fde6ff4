"""A page seen again renders no markdown again: the HTML and the plain excerpts are remembered by content."""
from __future__ import annotations

import uuid

from podcaster.content import markup

from ..helpers.feeds import NOW, set_clock
from ..helpers.queries import SHOW_SLUG, seed_catalogue

PAGES = ("/", "/about", "/authors/ada-quill", "/books/quiet-rooms", f"/podcasts/{SHOW_SLUG}",
         f"/podcasts/{SHOW_SLUG}/episode-1", "/blog", "/blog/post-1", "/blog/tag/news", "/podcasts/")


def test_pages_seen_again_render_no_markdown(app, client, monkeypatch):
    set_clock(app, NOW)
    seed_catalogue(app, episodes=30, posts=30, now=NOW)
    rendered = []
    real_sanitize = markup.sanitize_html

    def counted(html: str) -> str:
        rendered.append(html)
        return real_sanitize(html)

    monkeypatch.setattr(markup, "sanitize_html", counted)
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    markup.render_markdown(f"*{uuid.uuid4()}*")  # new text is rendered: the counter counts
    assert rendered
    first_misses = markup.text_of_html.cache_info().misses
    rendered.clear()
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    assert rendered == []
    assert "<strong>episode 1</strong>" in client.get(f"/podcasts/{SHOW_SLUG}/episode-1").get_data(as_text=True)
    assert markup.text_of_html.cache_info().misses == first_misses
