"""The author's admin: every view needs a logged-in user."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_login():
    """Refuse every admin page to visitors who are not logged in."""


@bp.route("/")
def dashboard():
    """The admin home: links to each area."""
    return render_template("admin/dashboard.html")


# Each area registers its routes on ``bp``.
from . import authors, books, feed_doctor, posts, shows, videos  # noqa: E402,F401
