"""``podcaster demo`` fills an empty site, and every public page then renders."""
from __future__ import annotations

from pathlib import Path

import lxml.html
from podcaster.extensions import db
from podcaster.models import Author, Book, MediaFile, Post, User, Video

from ..helpers.media import media_files
from ..helpers.web import page_text


def test_demo_loads_once_and_pages_render(app, client, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo content loaded." in result.output
    with app.app_context():
        assert db.session.query(Author).filter_by(is_main=True).count() == 1
        assert db.session.query(Author).count() >= 10
        anthology = db.session.execute(db.select(Book).filter_by(slug="twenty-eight-doors")).scalar_one()
        assert len(anthology.contributors) >= 12
        assert db.session.query(Book).count() >= 2 and db.session.query(Video).count() >= 3
        statuses = [post.status for post in db.session.query(Post)]
        assert statuses.count("published") >= 3 and "draft" in statuses and "scheduled" in statuses
        stored = {media.path for media in db.session.query(MediaFile)}
        slugs = {
            "authors": [a.slug for a in db.session.query(Author)],
            "books": [b.slug for b in db.session.query(Book)],
            "posts": [p.slug for p in db.session.query(Post).filter_by(status="published")],
        }
        hidden = [p.slug for p in db.session.query(Post).filter(Post.status != "published")]
        assert db.session.query(User).count() == 1, "the test admin exists, so no demo admin is made"
    root = Path(app.config["MEDIA_ROOT"])
    assert stored and stored <= set(media_files(app)), "every MediaFile row has its file"
    assert all((root / path).stat().st_size > 0 for path in stored)

    for url in ["/", "/about", "/books", "/videos", "/blog"]:
        assert client.get(url).status_code == 200, url
    for slug in slugs["authors"]:
        assert client.get(f"/authors/{slug}").status_code == 200
    for slug in slugs["books"]:
        assert client.get(f"/books/{slug}").status_code == 200
    for slug in slugs["posts"]:
        assert client.get(f"/blog/{slug}").status_code == 200
    for slug in hidden:
        assert client.get(f"/blog/{slug}").status_code == 404
    home = page_text(client.get("/"))
    assert "Ada Quill" in home and "The Lantern Years" in home and "/media/photos/" in home
    assert "Why I write in the morning" in home and "DemoVideo04" in home
    assert "Latest episodes" in home  # the demo show's episodes appear on the home page
    anthology_page = page_text(client.get("/books/twenty-eight-doors"))
    assert "Contributors:" in anthology_page and "Foreword:" in anthology_page
    show_page = lxml.html.fromstring(client.get("/podcasts/the-quiet-page").get_data(as_text=True))
    (support,) = show_page.xpath("//h2[.='Support the show']/following-sibling::ul[1]//a")
    assert support.text_content() not in ("", "Support the show")  # a link says more than its heading

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already has content" in again.output
