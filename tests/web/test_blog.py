"""Blog posts: admin CRUD, tags, drafts, scheduling with a moved clock, previews, public pages."""
from __future__ import annotations

from datetime import datetime, timedelta

from podcaster.extensions import db
from podcaster.models import Author, Post, Tag

from ..helpers.authoring import post_data
from ..helpers.feeds import set_clock
from ..helpers.rows import count
from ..helpers.web import page_text, post_form

NEW = "/admin/posts/new"
NOW = datetime(2026, 3, 1, 9, 0)
XSS_PAYLOADS = (
    "Safe text.",
    "<script>alert('body')</script>",
    '<img src="x.png" onerror="alert(1)">',
    "[link](javascript:alert(2))",
    '<a href="javascript:alert(3)">raw link</a>',
    '<a href="JaVaScRiPt:alert(4)">mixed case</a>',
    '<svg onload="alert(5)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
)


def add_author(app, **values):
    with app.app_context():
        author = Author(name="Ada Quill", slug="ada-quill", is_main=True,
                        short_bio="Ada writes *quiet* novels.", **values)
        db.session.add(author)
        db.session.commit()
        return author.id


def post_row(app, slug):
    with app.app_context():
        post = db.session.execute(db.select(Post).filter_by(slug=slug)).scalar_one()
        return {"id": post.id, "status": post.status, "publish_at": post.publish_at,
                "tags": [tag.name for tag in post.tags]}


def test_publish_now_with_tags_and_author_box(app, client, auth):
    set_clock(app, NOW)
    author_id = add_author(app)
    auth.login()
    assert f'<option selected value="{author_id}">' in page_text(client.get(NEW)), "the main author is preselected"
    response = post_form(client, NEW, post_data(author_id=str(author_id)))
    assert response.status_code == 302
    row = post_row(app, "on-beginnings")
    assert row["status"] == "published" and row["publish_at"] == NOW
    assert sorted(row["tags"]) == ["Writing", "craft"]

    page = page_text(client.get("/blog/on-beginnings"))
    assert "<em>paragraph</em>" in page
    assert 'class="author-box"' in page and "Ada writes <em>quiet</em> novels." in page
    assert 'href="/authors/ada-quill"' in page
    assert '<meta name="description" content="First paragraph. Second paragraph.">' in page
    assert 'href="/blog/tag/writing"' in page
    assert "On Beginnings" in page_text(client.get("/blog"))
    assert "On Beginnings" in page_text(client.get("/blog/tag/writing"))
    assert "On Beginnings" in page_text(client.get("/"))
    assert client.get("/blog/tag/nothing").status_code == 404


def test_drafts_and_scheduled_posts_stay_hidden_until_their_time(app, client, auth):
    set_clock(app, NOW)
    auth.login()
    post_form(client, NEW, post_data(title="Draft", status="draft"))
    post_form(client, NEW, post_data(title="Later", status="scheduled", publish_at="2026-03-01T10:30"))
    post_form(client, NEW, post_data(title="Future publish", status="published", publish_at="2026-03-02T08:00"))
    assert post_row(app, "later")["status"] == "scheduled"
    assert post_row(app, "future-publish")["status"] == "scheduled"
    statuses = page_text(client.get("/admin/posts/"))
    assert statuses.count("status-scheduled") == 2 and "status-draft" in statuses

    for slug in ("draft", "later", "future-publish"):
        assert client.get(f"/blog/{slug}").status_code == 404
        preview = client.get(f"/admin/posts/{post_row(app, slug)['id']}/preview")
        assert preview.status_code == 200 and "Preview" in page_text(preview)
    blog = page_text(client.get("/blog"))
    assert "Later" not in blog and "Draft" not in blog and "No posts yet" in blog
    assert "Later" not in page_text(client.get("/blog/tag/writing"))

    set_clock(app, NOW + timedelta(hours=2))
    assert client.get("/blog/later").status_code == 200
    assert client.get("/blog/future-publish").status_code == 404
    assert "Later" in page_text(client.get("/blog"))
    set_clock(app, NOW + timedelta(days=2))
    assert client.get("/blog/future-publish").status_code == 200
    assert client.get("/blog/draft").status_code == 404
    auth.logout()
    assert client.get(f"/admin/posts/{post_row(app, 'draft')['id']}/preview").status_code == 302


def test_validation_errors(app, client, auth):
    set_clock(app, NOW)
    auth.login()
    response = post_form(client, NEW, post_data(title="", status="scheduled", body="Keep me"))
    text = page_text(response)
    assert response.status_code == 400
    assert "This field is required." in text and "needs a publication time" in text and "Keep me" in text
    response = post_form(client, NEW, post_data(publish_at="tomorrow"))
    assert response.status_code == 400 and "Not a valid datetime value" in page_text(response)
    assert count(app, Post) == 0 and count(app, Tag) == 0

    post_form(client, NEW, post_data())
    post_form(client, NEW, post_data())
    assert post_row(app, "on-beginnings-2")
    response = post_form(client, NEW, post_data(slug="on-beginnings"))
    assert response.status_code == 400 and "already uses the slug" in page_text(response)


def test_edit_and_delete(app, client, auth):
    set_clock(app, NOW)
    auth.login()
    post_form(client, NEW, post_data())
    row = post_row(app, "on-beginnings")
    edit = f"/admin/posts/{row['id']}/edit"
    assert 'value="Writing, craft"' in page_text(client.get(edit))
    response = post_form(client, edit, post_data(title="Renamed", slug="on-beginnings", tags="craft, Revision",
                                                 status="draft"))
    assert response.status_code == 302
    row = post_row(app, "on-beginnings")
    assert row["status"] == "draft" and sorted(row["tags"]) == ["Revision", "craft"]
    assert client.get("/blog/on-beginnings").status_code == 404
    response = post_form(client, f"/admin/posts/{row['id']}/delete", {}, form_url="/admin/posts/")
    assert response.status_code == 302 and count(app, Post) == 0


def test_pagination(app, client):
    set_clock(app, NOW)
    app.config["POSTS_PER_PAGE"] = 2
    with app.app_context():
        for number in range(5):
            db.session.add(Post(title=f"Post {number}", slug=f"post-{number}", status="published",
                                publish_at=NOW - timedelta(days=number)))
        db.session.commit()
    first = page_text(client.get("/blog"))
    assert "Post 0" in first and "Post 1" in first and "Post 2" not in first
    assert 'rel="next" href="/blog?page=2"' in first
    third = page_text(client.get("/blog?page=3"))
    assert "Post 4" in third and 'rel="prev"' in third and 'rel="next"' not in third
    assert client.get("/blog?page=4").status_code == 404
    assert client.get("/blog?page=zero").status_code == 404


def test_markdown_payloads_are_stripped(app, client):
    set_clock(app, NOW)
    payload = "\n\n".join(XSS_PAYLOADS)
    with app.app_context():
        db.session.add(Post(title="XSS", slug="xss", body=payload, status="published", publish_at=NOW))
        db.session.commit()
    page = page_text(client.get("/blog/xss"))
    body = page.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    assert "Safe text." in body
    for bad in ("<script", "onerror", "onload", 'href="javascript', "href=\"JaVaScRiPt", "<iframe", "<svg"):
        assert bad not in body
    assert "alert('body')" not in page


def test_markdown_preview_renders_sanitised_html(client, auth):
    auth.login()
    form_page = page_text(client.get(NEW))
    assert 'data-preview-url="/admin/markdown-preview"' in form_page and "markdown-preview.js" in form_page
    response = post_form(client, "/admin/markdown-preview",
                         {"text": "Some *emphasis* <script>alert(1)</script>"}, form_url=NEW)
    assert response.status_code == 200
    assert "<em>emphasis</em>" in page_text(response) and "<script" not in page_text(response)
    assert client.post("/admin/markdown-preview", data={"text": "x"}).status_code == 400
