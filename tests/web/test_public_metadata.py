"""Every public author-content page carries sharing metadata and valid JSON-LD; user text never escapes it."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from lxml import html as lxml_html

from podcaster.extensions import db
from podcaster.models import Author, Book, BookContributor, Post, Tag, Video, utcnow

from ..helpers.web import page_text, sitemap_locations

SCRIPT_BREAKOUT = "</script><script>alert(1)</script>"
ATTRIBUTE_BREAKOUT = '"><img src=x onerror=alert(1)>'
EVIL = f"Evil {SCRIPT_BREAKOUT} {ATTRIBUTE_BREAKOUT}"

#: What each schema.org type must carry to be useful to search engines.
REQUIRED = {
    "Person": ("name", "url"),
    "Book": ("name", "author"),
    "BlogPosting": ("headline", "datePublished", "author"),
    "VideoObject": ("name", "thumbnailUrl", "uploadDate", "embedUrl"),
}


def json_ld_blocks(text: str) -> list[dict]:
    """Every JSON-LD block of a page, parsed (a block that is not valid JSON fails the test)."""
    tree = lxml_html.fromstring(text)
    blocks = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        data = json.loads(script.text)
        blocks.extend(data if isinstance(data, list) else [data])
    return blocks


def check_block(block: dict, where: str) -> None:
    assert block.get("@context") == "https://schema.org", where
    kind = block.get("@type")
    for name in REQUIRED.get(kind, ()):
        assert block.get(name), f"{kind} on {where} lacks {name}: {block}"
    if kind == "Book":
        assert all(person.get("name") for person in block["author"]), where
    if kind == "BlogPosting":
        assert block["author"].get("name"), where
    for key in ("url", "embedUrl", "image"):
        if isinstance(block.get(key), str):
            assert block[key].startswith(("http://", "https://")), f"{key} not absolute on {where}"


def sharing_metadata(text: str) -> dict[str, str]:
    tree = lxml_html.fromstring(text)
    return {meta.get("property") or meta.get("name"): meta.get("content")
            for meta in tree.xpath("//head/meta[@property or @name]")}


@pytest.fixture
def demo_site(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return {
            "authors": [a.slug for a in db.session.query(Author)],
            "books": [b.slug for b in db.session.query(Book)],
            "posts": [p.slug for p in db.session.query(Post).filter_by(status="published")],
            "tags": [t.slug for t in db.session.query(Tag)],
            "main": db.session.query(Author).filter_by(is_main=True).one().slug,
        }


def public_pages(site: dict) -> list[str]:
    return (["/", "/about", "/books", "/videos", "/blog"]
            + [f"/authors/{slug}" for slug in site["authors"][:3]]
            + [f"/books/{slug}" for slug in site["books"]]
            + [f"/blog/{slug}" for slug in site["posts"]]
            + [f"/blog/tag/{slug}" for slug in site["tags"][:2]])


def test_every_public_page_has_valid_json_ld_and_sharing_tags(client, demo_site):
    seen_types: dict[str, set[str]] = {}
    for url in public_pages(demo_site):
        response = client.get(url)
        assert response.status_code == 200, url
        text = page_text(response)
        meta = sharing_metadata(text)
        assert meta.get("og:title"), url
        assert meta.get("og:description"), url
        assert meta.get("description") == meta["og:description"], url
        assert meta.get("twitter:card") in ("summary", "summary_large_image"), url
        if "og:image" in meta:
            assert meta["og:image"].startswith(("http://podcaster.test/media/", "https://i.ytimg.com/")), url
        for block in json_ld_blocks(text):
            check_block(block, url)
            seen_types.setdefault(url, set()).add(block["@type"])

    assert sharing_metadata(page_text(client.get("/books")))["og:image"].startswith("http://podcaster.test/media/")
    assert "Person" in seen_types["/about"]
    assert all("Person" in seen_types[f"/authors/{slug}"] for slug in demo_site["authors"][:3])
    assert all("Book" in seen_types[f"/books/{slug}"] for slug in demo_site["books"])
    assert all("BlogPosting" in seen_types[f"/blog/{slug}"] for slug in demo_site["posts"])
    assert seen_types["/videos"] == {"VideoObject"}


def test_person_links_the_authors_profiles(client, demo_site):
    people = [block for block in json_ld_blocks(page_text(client.get("/about"))) if block["@type"] == "Person"]
    assert len(people) == 1
    person = people[0]
    assert person["url"] == f"http://podcaster.test/authors/{demo_site['main']}"
    assert person["image"].startswith("http://podcaster.test/media/")
    assert {"https://ada-quill.example", "https://www.youtube.com/@adaquill.example",
            "https://letters.ada-quill.example"} <= set(person["sameAs"])


def test_videos_page_describes_each_video(client, demo_site):
    text = page_text(client.get("/videos"))
    videos = json_ld_blocks(text)
    assert len(videos) == len(lxml_html.fromstring(text).xpath('//li[contains(@class, "video-card")]')) >= 3
    for video in videos:
        assert video["embedUrl"].startswith("https://www.youtube-nocookie.com/embed/")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", video["uploadDate"])


def _seed_evil(app) -> None:
    with app.app_context():
        author = Author(name=EVIL, slug="evil", is_main=True, short_bio=EVIL, bio=EVIL,
                        website_url='https://x.example/"><script>alert(1)</script>')
        book = Book(title=EVIL, slug="evil-book", subtitle=EVIL, publisher=EVIL, description=EVIL,
                    buy_links=[{"label": EVIL, "url": "https://shop.example/?q=</script>"}])
        book.contributors = [BookContributor(author=author, role="author", position=0)]
        db.session.add_all([
            author, book,
            Video(title=EVIL, youtube_id="dQw4w9WgXcQ", description=EVIL, author=author, book=book),
            Post(title=EVIL, slug="evil-post", body=EVIL, excerpt=EVIL, author=author, status="published",
                 publish_at=utcnow() - timedelta(hours=1), tags=[Tag(name=EVIL, slug="evil-tag")], books=[book]),
        ])
        db.session.commit()


def test_hostile_text_stays_text_in_html_and_json_ld(app, client):
    _seed_evil(app)
    for url in ["/", "/about", "/authors/evil", "/books", "/books/evil-book", "/videos", "/blog",
                "/blog/evil-post", "/blog/tag/evil-tag"]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = page_text(response)
        lowered = text.lower()
        assert "<script>alert" not in lowered, url
        assert "<img src=x" not in lowered, url
        # every script element is ours: an external file or a JSON-LD data block
        for script in lxml_html.fromstring(text).xpath("//script"):
            assert script.get("src") or script.get("type") == "application/ld+json", (url, script.text)
        blocks = json_ld_blocks(text)
        named = [block.get("name") or block.get("headline") for block in blocks]
        if url not in ("/blog", "/books", "/blog/tag/evil-tag"):
            assert EVIL in named, f"the title round-trips through JSON-LD unchanged on {url}"
        if url in ("/about", "/authors/evil", "/books/evil-book", "/blog/evil-post"):
            assert EVIL in sharing_metadata(text)["og:title"], url


def test_pages_without_any_text_still_describe_themselves(app, client):
    with app.app_context():
        author = Author(name="Bare Bones", slug="bare", is_main=True)
        db.session.add_all([author, Book(title="Blank", slug="blank"),
                            Post(title="Untitled thoughts", slug="bare-post", status="published",
                                 publish_at=utcnow() - timedelta(hours=1), author=author)])
        db.session.commit()
    for url in ("/", "/about", "/authors/bare", "/books", "/books/blank", "/videos", "/blog", "/blog/bare-post"):
        meta = sharing_metadata(page_text(client.get(url)))
        assert meta.get("og:title") and meta.get("og:description"), url


def test_every_page_in_the_sitemap_answers_with_metadata(client, demo_site):
    """The sitemap lists each author-content page, and every page it lists is described (demo content)."""
    listed = [loc.removeprefix("http://podcaster.test") for loc in sitemap_locations(client)]
    expected = [url for url in public_pages(demo_site) if "/tag/" not in url]
    expected += [f"/authors/{slug}" for slug in demo_site["authors"]]
    assert set(expected) <= set(listed)
    for url in listed:
        response = client.get(url)
        assert response.status_code == 200, url
        text = page_text(response)
        assert sharing_metadata(text).get("og:title"), url
        for block in json_ld_blocks(text):
            check_block(block, url)
