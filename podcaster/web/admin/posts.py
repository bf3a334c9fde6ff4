"""Admin: blog posts, tags, scheduling and previews."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import selectinload

from ...content.markup import render_markdown
from ...content.publishing import PublishingError, display_status, resolve_publication
from ...content.slugs import make_slug, slug_taken, unique_slug
from ...content.text import LONG_TEXT_MAX
from ...extensions import db
from ...models import Author, Book, Post, Tag
from .. import current_time
from ..forms import ButtonForm
from ..forms.books import optional_choices
from ..forms.posts import PostForm, split_tags
from . import ADMIN_PER_PAGE, bp
from .authors import author_choices
from .books import book_choices


def tags_for(names: list[str]) -> list[Tag]:
    """The tags with these names, creating the missing ones (the caller commits)."""
    tags = []
    for name in names:
        slug = make_slug(name, "tag")
        tag = db.session.execute(db.select(Tag).where(Tag.slug == slug)).scalar_one_or_none()
        if tag is None:
            tag = Tag(name=name, slug=slug)
            db.session.add(tag)
        if tag not in tags:
            tags.append(tag)
    return tags


@bp.route("/posts/")
def posts():
    """List every post, newest first, drafts included (on top), a page at a time."""
    page = db.paginate(
        db.select(Post).options(selectinload(Post.author))
        .order_by(Post.publish_at.is_(None).desc(), Post.publish_at.desc(), Post.id.desc()),
        per_page=ADMIN_PER_PAGE, error_out=True)
    rows = page.items
    now = current_time()
    return render_template(
        "admin/posts_list.html", posts=rows, page=page,
        statuses={post.id: display_status(post.status, post.publish_at, now) for post in rows},
    )


@bp.route("/posts/new", methods=["GET", "POST"])
def post_new():
    """Write a new post."""
    return _edit_post(None)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def post_edit(post_id: int):
    """Edit a post."""
    return _edit_post(db.get_or_404(Post, post_id))


def _edit_post(post: Post | None):
    form = PostForm(obj=post)
    form.author_id.choices = optional_choices(author_choices())
    form.books.choices = book_choices()
    if request.method == "GET":
        if post is None:
            form.author_id.data = db.session.execute(
                db.select(Author.id).order_by(Author.is_main.desc(), Author.position).limit(1)
            ).scalar() or 0
        else:
            form.tags.data = ", ".join(tag.name for tag in post.tags)
            form.books.data = [book.id for book in post.books]
    if form.validate_on_submit():
        post_id = post.id if post else None
        slug = form.slug.data or unique_slug(db.session, Post, form.title.data, post_id, "post")
        try:
            status, publish_at = resolve_publication(form.status.data, form.publish_at.data, current_time())
        except PublishingError as exc:
            form.status.errors.append(str(exc))
        else:
            if slug_taken(db.session, Post, slug, post_id):
                form.slug.errors.append(f"Another post already uses the slug “{slug}”.")
            else:
                if post is None:
                    post = Post()
                    db.session.add(post)
                post.title = form.title.data.strip()
                post.slug = slug
                post.body = form.body.data or ""
                post.excerpt = (form.excerpt.data or "").strip()
                post.author_id = form.author_id.data or None
                post.status, post.publish_at = status, publish_at
                post.tags = tags_for(split_tags(form.tags.data))
                # the choices were validated against the list above; a book deleted meanwhile is skipped
                chosen = [db.session.get(Book, book_id) for book_id in form.books.data or []]
                post.books = [book for book in chosen if book is not None]
                db.session.commit()
                flash(f"Saved “{post.title}” ({display_status(status, publish_at, current_time())}).",
                      "success")
                return redirect(url_for("admin.posts"))
    status_code = 400 if request.method == "POST" else 200
    return render_template("admin/posts_form.html", form=form, post=post), status_code


@bp.route("/posts/<int:post_id>/preview")
def post_preview(post_id: int):
    """Show a post as the public will see it, whatever its status."""
    post = db.get_or_404(Post, post_id)
    return render_template("public/post.html", post=post, preview=True,
                           status=display_status(post.status, post.publish_at, current_time()))


@bp.route("/markdown-preview", methods=["POST"])
def markdown_preview():
    """Render a form's markdown exactly as the public pages will (sanitised), for the Preview buttons.

    Bounded like the fields it previews: longer text is refused (413) before it is rendered, and a
    body that could not hold less is refused before it is read.
    """
    # Percent-encoded UTF-8 takes at most 12 bytes a character; room for the token and the boundary.
    request.max_content_length = request.max_form_memory_size = 12 * LONG_TEXT_MAX + 16_384
    if not ButtonForm().validate_on_submit():
        abort(400)
    text = request.form.get("text", "")
    if len(text) > LONG_TEXT_MAX:
        abort(413, description=f"The preview takes at most {LONG_TEXT_MAX} characters (this text has {len(text)}).")
    html = render_markdown(text)
    return html, 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
def post_delete(post_id: int):
    """Delete a post (its tags stay for other posts)."""
    post = db.get_or_404(Post, post_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    title = post.title
    db.session.delete(post)
    db.session.commit()
    flash(f"Deleted “{title}”.", "success")
    return redirect(url_for("admin.posts"))
