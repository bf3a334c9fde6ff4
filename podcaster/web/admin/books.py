"""Admin: books, their covers, buy links and contributors."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ...content.images import COVER, ImageError
from ...content.media import delete_media, remove_files
from ...content.slugs import slug_taken, unique_slug
from ...extensions import db
from ...models import Book, BookContributor, Video
from ...models.posts import post_books
from ...models.shows import episode_books
from .. import media_store
from ..forms import ButtonForm
from ..forms.books import BookForm
from ..forms.rows import fill_rows
from . import bp
from .authors import author_choices
from .image_fields import apply_image


def book_choices() -> list[tuple[int, str]]:
    """Every book as ``(id, title)`` for select fields."""
    rows = db.session.execute(db.select(Book.id, Book.title).order_by(Book.position, Book.title))
    return [(row.id, row.title) for row in rows]


@bp.route("/books/")
def books():
    """List the books in their display order."""
    rows = db.session.execute(db.select(Book).order_by(Book.position, Book.title)).scalars().all()
    return render_template("admin/books_list.html", books=rows)


@bp.route("/books/new", methods=["GET", "POST"])
def book_new():
    """Create a book."""
    return _edit_book(None)


@bp.route("/books/<int:book_id>/edit", methods=["GET", "POST"])
def book_edit(book_id: int):
    """Edit a book."""
    return _edit_book(db.get_or_404(Book, book_id))


def _set_contributors(book: Book, chosen: list[tuple[int, str]]) -> None:
    """Make the book's credits exactly ``chosen``, in that order.

    Rows that stay are updated in place rather than deleted and re-added: the
    unit of work inserts before it deletes, which would trip the unique
    (book, author, role) constraint.
    """
    existing = {(credit.author_id, credit.role): credit for credit in book.contributors}
    credits = []
    for position, (author_id, role) in enumerate(chosen):
        credit = existing.pop((author_id, role), None) or BookContributor(author_id=author_id, role=role)
        credit.position = position
        credits.append(credit)
    book.contributors = credits


def _edit_book(book: Book | None):
    form = BookForm(obj=book)
    choices = author_choices()
    if request.method == "GET":
        fill_rows(form.buy_links, list(book.buy_links or []) if book else [])
        form.add_spare_rows(choices)
    else:
        form.set_author_choices(choices)
    if form.validate_on_submit():
        book_id = book.id if book else None
        slug = form.slug.data or unique_slug(db.session, Book, form.title.data, book_id, "book")
        if slug_taken(db.session, Book, slug, book_id):
            form.slug.errors.append(f"Another book already uses the slug “{slug}”.")
        else:
            try:
                cover, change = apply_image(form.cover.data, form.remove_cover.data,
                                            book.cover if book else None, COVER)
            except ImageError as exc:
                form.cover.errors.append(str(exc))
            else:
                if book is None:
                    book = Book()
                    db.session.add(book)
                book.title = form.title.data.strip()
                book.subtitle = (form.subtitle.data or "").strip()
                book.slug = slug
                book.pub_year = form.pub_year.data or (form.pub_date.data.year if form.pub_date.data else None)
                book.pub_date = form.pub_date.data
                book.isbn = form.isbn.data or ""
                book.publisher = (form.publisher.data or "").strip()
                book.description = form.description.data or ""
                book.buy_links = form.buy_links.links
                book.position = form.position.data or 0
                book.cover = cover
                _set_contributors(book, form.chosen_contributors())
                change.commit(db.session, media_store())
                flash(f"Saved “{book.title}”.", "success")
                return redirect(url_for("admin.books"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/books_form.html", form=form, book=book), status


@bp.route("/books/<int:book_id>/delete", methods=["POST"])
def book_delete(book_id: int):
    """Delete a book and its cover; videos, posts and episodes that mention it stay."""
    book = db.get_or_404(Book, book_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    title = book.title
    # Also done by the foreign keys' ON DELETE, which SQLite applies only when asked to.
    db.session.execute(db.update(Video).where(Video.book_id == book.id).values(book_id=None))
    db.session.execute(db.delete(post_books).where(post_books.c.book_id == book.id))
    db.session.execute(db.delete(episode_books).where(episode_books.c.book_id == book.id))
    paths = delete_media(db.session, book.cover)
    db.session.delete(book)
    db.session.commit()
    remove_files(media_store(), paths)
    flash(f"Deleted “{title}”.", "success")
    return redirect(url_for("admin.books"))
