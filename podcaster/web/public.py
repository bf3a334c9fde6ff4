"""Public pages: home, about, authors, books, videos, blog."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..extensions import db
from ..models import Author

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    """The home page: the main author, latest episodes, posts and books."""
    main_author = db.session.execute(
        db.select(Author).order_by(Author.is_main.desc(), Author.position, Author.id).limit(1)
    ).scalar_one_or_none()
    return render_template("public/index.html", author=main_author)
