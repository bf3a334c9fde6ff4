"""The embeddable player, oEmbed and its discovery link, and the episode page's player and share dialog."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from ..helpers.feeds import make_show
from ..helpers.web import page_text

SITE = "http://podcaster.test"
EPISODE_URL = f"{SITE}/podcasts/quiet-page/episode-1"


def test_embed_page_is_cookie_free_and_may_be_framed_by_any_site(app, client, auth):
    make_show(app, episodes=1)
    auth.login()  # a visitor with a session: the embed still hands out no cookie
    response = client.get("/embed/quiet-page/episode-1")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "X-Frame-Options" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    html = page_text(response)
    assert '<audio id="embed-player" controls' in html  # works without JavaScript
    assert 'href="http://podcaster.test/podcasts/quiet-page/episode-1"' in html
    assert "<form" not in html and "<nav" not in html
    # Every other page still refuses to be framed.
    page = client.get("/podcasts/quiet-page/episode-1")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_unpublished_episodes_have_no_embed_and_no_oembed(app, client, clock):
    make_show(app, episodes=1, scheduled=1, drafts=1)
    for slug in ("episode-2", "episode-3", "no-such-episode"):
        assert client.get(f"/embed/quiet-page/{slug}").status_code == 404
        url = quote(f"{SITE}/podcasts/quiet-page/{slug}", safe="")
        response = client.get(f"/oembed?url={url}")
        assert response.status_code == 404
        assert "Set-Cookie" not in response.headers


def test_oembed_answers_rich_json_with_the_player_iframe(app, client):
    make_show(app, episodes=1)
    response = client.get(f"/oembed?url={quote(EPISODE_URL, safe='')}&format=json&maxwidth=400")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    answer = response.get_json()
    assert {key: answer[key] for key in ("version", "type", "title", "author_name", "provider_url", "width",
                                         "height")} == {
        "version": "1.0", "type": "rich", "title": "Episode 1: chapter & verse", "author_name": "Ada Quill",
        "provider_url": f"{SITE}/", "width": 400, "height": 200}
    assert re.fullmatch(r'<iframe src="http://podcaster\.test/embed/quiet-page/episode-1" title="Episode 1: '
                        r'chapter &amp; verse · The Quiet Page" width="400" height="200" [^>]*></iframe>',
                        answer["html"])
    assert answer["thumbnail_url"].startswith(f"{SITE}/media/images/")
    # The embed page's own URL describes the same episode.
    embed = client.get(f"/oembed?url={quote(SITE + '/embed/quiet-page/episode-1', safe='')}").get_json()
    assert embed["html"] == client.get(f"/oembed?url={quote(EPISODE_URL, safe='')}").get_json()["html"]


def test_oembed_refuses_what_it_cannot_describe(app, client):
    make_show(app, episodes=1)
    assert client.get("/oembed").status_code == 400
    assert client.get(f"/oembed?url={quote(EPISODE_URL, safe='')}&format=xml").status_code == 501
    for url in ("https://elsewhere.example/podcasts/quiet-page/episode-1", f"{SITE}/podcasts/quiet-page",
                f"{SITE}/admin/", "not a url"):
        assert client.get(f"/oembed?url={quote(url, safe='')}").status_code == 404, url


def test_episode_page_links_oembed_and_offers_the_player_and_share_dialog(app, client):
    make_show(app, episodes=1)
    html = page_text(client.get("/podcasts/quiet-page/episode-1"))
    discovery = re.search(r'<link rel="alternate" type="application/json\+oembed" title="[^"]*" href="([^"]+)">',
                          html)
    assert discovery, "no oEmbed discovery link"
    href = discovery.group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "podcaster.test", "/oembed")
    assert parse_qs(parts.query) == {"url": [EPISODE_URL], "format": ["json"]}
    assert client.get(href.removeprefix(SITE)).get_json()["type"] == "rich"
    assert '<audio id="episode-player" controls' in html
    assert 'data-chapters-url="/media/chapters/quiet-page/e1.json"' in html  # the uploaded JSON chapters file
    assert re.search(r'<dialog class="share-dialog"[^>]*aria-labelledby="share-title"', html)
    assert "&lt;iframe src=&#34;http://podcaster.test/embed/quiet-page/episode-1&#34;" in html
    assert re.search(r'<img class="share-image" src="http://podcaster\.test/media/images/cover-feed\.jpg"', html)
    # The transcript's cues carry their times, so it can follow the audio and seek.
    assert '<p class="cue" data-start="0.0" data-end="2.0"><a class="cue-time seek" href="#t=0"' in html
