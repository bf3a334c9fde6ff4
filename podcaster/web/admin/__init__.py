"""The author's admin: every view needs a logged-in user."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template
from flask_login import login_required

from ...content.analytics import charts, reports
from ...content.feeds import cache, health
from ...content.publishing import display_status_counts
from ...extensions import db
from ...models import Episode, Post, Show
from .. import current_time

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: Rows per page of the lists that grow without bound (a show's episodes, the posts).
ADMIN_PER_PAGE = 50


@bp.before_request
@login_required
def require_login():
    """Refuse every admin page to visitors who are not logged in."""


@bp.route("/")
def dashboard():
    """The admin home: every show with its episodes' status and feed, recent posts, quick links.

    Episodes are counted by status in one grouped query, never loaded. Feed health comes from the figures the doctor stored when it last ran: the doctor opens every
    artwork and audio file, far too slow to run per show on every view.
    """
    all_shows = db.session.execute(db.select(Show).order_by(Show.position, Show.title)).scalars().all()
    recent_episodes = db.session.execute(
        db.select(Episode).order_by(Episode.updated_at.desc()).limit(10)
    ).scalars().all()
    recent_posts = db.session.execute(db.select(Post).order_by(Post.updated_at.desc()).limit(5)).scalars().all()
    now = current_time()
    episode_counts = display_status_counts(db.session, Episode, Episode.show_id, now)
    feed_health = health.summaries(db.session, now)
    build_errors = cache.build_errors(db.session)
    # The last 30 days at a glance: two grouped queries over the daily aggregates, whatever the hits.
    glance_end = now.date()
    glance_start = glance_end - timedelta(days=reports.GLANCE_DAYS - 1)
    glance_days = reports.downloads_per_day(db.session, glance_start, glance_end)
    glance = {
        "chart": charts.daily_chart([tuple(row) for row in glance_days],
                                    f"Downloads per day, all shows, last {reports.GLANCE_DAYS} days",
                                    chart_id="glance-chart"),
        "total": sum(row.downloads for row in glance_days),
        "shows": {row.show_id: row.downloads for row in reports.show_totals(db.session, glance_start, glance_end)},
    }
    return render_template(
        "admin/dashboard.html", shows=all_shows, episode_counts=episode_counts, recent_episodes=recent_episodes, recent_posts=recent_posts,
        feed_health=feed_health, glance=glance, blog_feed_error=build_errors.get(cache.BLOG_KEY),
        feed_errors={show.id: build_errors[cache.show_key(show.id)] for show in all_shows
                     if cache.show_key(show.id) in build_errors},
    )


# Each area registers its routes on ``bp``.
from . import (  # noqa: E402,F401
    authors, books, chapters, episodes, feed_doctor, importing, jobs, listeners, posts, shows, site, videos)
