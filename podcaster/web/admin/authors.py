"""Admin: authors (profiles, photos, links, the site's main author)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ...content.images import PHOTO, ImageError
from ...content.media import delete_media, remove_files
from ...content.slugs import slug_taken, unique_slug
from ...extensions import db
from ...models import Author, Post, ShowAuthor, Video
from .. import media_store
from ..forms import ButtonForm
from ..forms.authors import AuthorForm
from ..forms.rows import fill_rows
from . import bp
from .image_fields import apply_image


def author_choices() -> list[tuple[int, str]]:
    """Every author as ``(id, name)`` for select fields, in site order."""
    rows = db.session.execute(db.select(Author.id, Author.name).order_by(Author.position, Author.name))
    return [(row.id, row.name) for row in rows]


def _main_author_id() -> int | None:
    return db.session.execute(db.select(Author.id).where(Author.is_main).limit(1)).scalar()


@bp.route("/authors/")
def authors():
    """List the authors."""
    rows = db.session.execute(db.select(Author).order_by(Author.position, Author.name)).scalars().all()
    return render_template("admin/authors_list.html", authors=rows)


@bp.route("/authors/new", methods=["GET", "POST"])
def author_new():
    """Create an author."""
    return _edit_author(None)


@bp.route("/authors/<int:author_id>/edit", methods=["GET", "POST"])
def author_edit(author_id: int):
    """Edit an author."""
    return _edit_author(db.get_or_404(Author, author_id))


def _edit_author(author: Author | None):
    form = AuthorForm(obj=author)
    if request.method == "GET":
        fill_rows(form.links, list(author.links or []) if author else [])
        if author is None and _main_author_id() is None:
            form.is_main.data = True  # the first author is the site's author
    if form.validate_on_submit():
        author_id = author.id if author else None
        slug = form.slug.data or unique_slug(db.session, Author, form.name.data, author_id, "author")
        if slug_taken(db.session, Author, slug, author_id):
            form.slug.errors.append(f"Another author already uses the slug “{slug}”.")
        elif author is not None and author.is_main and not form.is_main.data:
            form.is_main.errors.append(
                "The site needs a main author: tick this box on another author's profile instead."
            )
        else:
            try:
                photo, change = apply_image(form.photo.data, form.remove_photo.data,
                                            author.photo if author else None, PHOTO)
            except ImageError as exc:
                form.photo.errors.append(str(exc))
            else:
                if author is None:
                    author = Author()
                    db.session.add(author)
                author.name = form.name.data.strip()
                author.slug = slug
                author.short_bio = form.short_bio.data or ""
                author.bio = form.bio.data or ""
                author.website_url = form.website_url.data or ""
                author.youtube_url = form.youtube_url.data or ""
                author.links = form.links.links
                author.position = form.position.data or 0
                author.photo = photo
                # Exactly one main author: choosing one unsets the others, and the first is main.
                make_main = form.is_main.data or _main_author_id() in (None, author.id)
                if make_main and not author.is_main:
                    db.session.execute(db.update(Author).where(Author.is_main).values(is_main=False))
                author.is_main = bool(make_main)
                change.commit(db.session, media_store())
                flash(f"Saved {author.name}.", "success")
                return redirect(url_for("admin.authors"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/authors_form.html", form=form, author=author), status


@bp.route("/authors/<int:author_id>/delete", methods=["POST"])
def author_delete(author_id: int):
    """Delete an author and their photo; their posts and videos stay, without an author."""
    author = db.get_or_404(Author, author_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    name, was_main = author.name, author.is_main
    # Done here as well as by ON DELETE SET NULL: SQLite enforces foreign keys only when asked to.
    db.session.execute(db.update(Post).where(Post.author_id == author.id).values(author_id=None))
    db.session.execute(db.update(Video).where(Video.author_id == author.id).values(author_id=None))
    db.session.execute(db.delete(ShowAuthor).where(ShowAuthor.author_id == author.id))
    paths = delete_media(db.session, author.photo)
    db.session.delete(author)
    db.session.flush()
    if was_main:
        successor = db.session.execute(
            db.select(Author).order_by(Author.position, Author.name).limit(1)
        ).scalar_one_or_none()
        if successor is not None:
            successor.is_main = True
            flash(f"{successor.name} is now the site's main author.", "info")
    db.session.commit()
    remove_files(media_store(), paths)
    flash(f"Deleted {name}.", "success")
    return redirect(url_for("admin.authors"))
