"""Public show and episode pages: players, notes, chapters, transcripts, subscribe links."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for

from ..content.publishing import is_visible, visible_filter
from ..content.transcripts import transcript_lines
from ..extensions import db
from ..models import Episode, Show
from . import current_time, media_store

bp = Blueprint("podcasts", __name__, url_prefix="/podcasts")

#: Transcripts longer than this are linked, not shown inline.
MAX_INLINE_TRANSCRIPT_BYTES = 512 * 1024


def _visible_episodes(show_id: int | None = None, limit: int | None = None) -> list[Episode]:
    query = db.select(Episode).where(visible_filter(Episode, current_time()))
    if show_id is not None:
        query = query.where(Episode.show_id == show_id)
    query = query.order_by(Episode.publish_at.desc(), Episode.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def _show_or_404(show_slug: str) -> Show:
    show = db.session.execute(db.select(Show).filter_by(slug=show_slug)).scalar_one_or_none()
    if show is None:
        abort(404)
    return show


def subscribe_links(show: Show) -> list[tuple[str, str]]:
    """The RSS link and the configured app links for a show (empty until the feed endpoint exists)."""
    if "feeds.podcast" not in current_app.view_functions:
        return []
    feed = url_for("feeds.podcast", show_slug=show.slug, _external=True)
    bare = feed.split("://", 1)[-1]
    links = [("RSS", feed)]
    for label, pattern in current_app.config.get("SUBSCRIBE_LINKS", []):
        links.append((label, pattern.format(feed=feed, feed_noscheme=bare)))
    return links


@bp.app_context_processor
def latest_episodes_helper():
    """Let any template (the home page's ``_latest_episodes.html``) list the newest public episodes."""
    return {"latest_episodes": lambda limit=3: _visible_episodes(limit=limit)}


@bp.route("/")
def index():
    """Every show, with its artwork and description."""
    shows = db.session.execute(db.select(Show).order_by(Show.position, Show.title)).scalars().all()
    return render_template("public/podcasts_index.html", shows=shows)


@bp.route("/<show_slug>")
def show(show_slug: str):
    """A show: description, subscribe links and its public episodes."""
    found = _show_or_404(show_slug)
    episodes = _visible_episodes(found.id)
    if found.show_type == "serial":
        episodes.reverse()
    return render_template("public/podcasts_show.html", show=found, episodes=episodes,
                           subscribe=subscribe_links(found))


@bp.route("/<show_slug>/<episode_slug>")
def episode(show_slug: str, episode_slug: str):
    """An episode: player, notes, chapters, transcript and the books it discusses. Drafts and future
    episodes answer 404."""
    found = _show_or_404(show_slug)
    item = db.session.execute(
        db.select(Episode).filter_by(show_id=found.id, slug=episode_slug)
    ).scalar_one_or_none()
    if item is None or not is_visible(item.status, item.publish_at, current_time()):
        abort(404)
    transcript = None
    if item.transcript is not None and item.transcript.size <= MAX_INLINE_TRANSCRIPT_BYTES:
        store = media_store()
        if store.exists(item.transcript.path):
            with store.open(item.transcript.path) as handle:
                transcript = transcript_lines(handle.read())
    return render_template("public/podcasts_episode.html", show=found, episode=item, transcript=transcript,
                           subscribe=subscribe_links(found))
