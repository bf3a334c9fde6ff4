"""The author's admin: every view needs a logged-in user."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ...content.publishing import display_status
from ...extensions import db
from ...models import Episode, Post, Show
from .. import current_time

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_login():
    """Refuse every admin page to visitors who are not logged in."""


@bp.route("/")
def dashboard():
    """The admin home: every show with its episodes' status and feed, recent posts, quick links."""
    now = current_time()
    shows = db.session.execute(db.select(Show).order_by(Show.position, Show.title)).scalars().all()
    recent_episodes = db.session.execute(
        db.select(Episode).order_by(Episode.updated_at.desc()).limit(10)
    ).scalars().all()
    recent_posts = db.session.execute(db.select(Post).order_by(Post.updated_at.desc()).limit(5)).scalars().all()
    return render_template(
        "admin/dashboard.html", shows=shows, recent_episodes=recent_episodes, recent_posts=recent_posts,
        status_of=lambda item: display_status(item.status, item.publish_at, now),
        feed_health=_feed_health(shows),
    )


def _feed_health(shows: list[Show]) -> dict[int, tuple[int, int]]:
    """Errors and warnings the feed doctor finds per show, when the doctor is installed."""
    try:
        from .feed_doctor import health_summary
    except ImportError:
        return {}
    return {show.id: health_summary(show) for show in shows}


# Each area registers its routes on ``bp``.
from . import authors, books, feed_doctor, importing, posts, shows, videos  # noqa: E402,F401
