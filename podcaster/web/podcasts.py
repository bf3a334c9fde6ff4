"""Public show and episode pages: players, notes, chapters, transcripts, subscribe links."""
from __future__ import annotations

import contextlib

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy.orm import selectinload

from ..content import subscribe
from ..content.publishing import is_visible, visible_filter
from ..content.storage import StorageError
from ..content.transcripts import transcript_cues
from ..extensions import db
from ..models import Episode, Show
from . import current_time, media_store, remote_media_store
from .site import current_site
from .urls import absolute_url

bp = Blueprint("podcasts", __name__, url_prefix="/podcasts")

#: Transcripts longer than this are linked, not shown inline.
MAX_INLINE_TRANSCRIPT_BYTES = 512 * 1024


#: Episodes per page on a show page.
EPISODES_PER_PAGE = 20


def _visible_query(show_id: int | None = None, serial: bool = False):
    """Public episodes, newest first, with what the lists show loaded at once.

    Serial shows are in story order, as in their feed (``feeds.podcast.ordered_episodes``):
    season, then oldest first, episodes without a season last.
    """
    query = (db.select(Episode).where(visible_filter(Episode, current_time()))
             .options(selectinload(Episode.audio), selectinload(Episode.show)))
    if show_id is not None:
        query = query.where(Episode.show_id == show_id)
    if serial:
        return query.order_by(Episode.season.asc().nulls_last(), Episode.publish_at, Episode.id)
    return query.order_by(Episode.publish_at.desc(), Episode.id.desc())


def _visible_episodes(limit: int) -> list[Episode]:
    return list(db.session.execute(_visible_query().limit(limit)).scalars())


def _show_or_404(show_slug: str) -> Show:
    show = db.session.execute(db.select(Show).filter_by(slug=show_slug)).scalar_one_or_none()
    if show is None:
        abort(404)
    return show


def visible_episode_or_404(show_slug: str, episode_slug: str) -> tuple[Show, Episode]:
    """The show and its public episode at these slugs; 404 for drafts, future episodes and unknown slugs."""
    found = _show_or_404(show_slug)
    item = db.session.execute(
        db.select(Episode).filter_by(show_id=found.id, slug=episode_slug)
    ).scalar_one_or_none()
    if item is None or not is_visible(item.status, item.publish_at, current_time()):
        abort(404)
    return found, item


def subscribe_links(show: Show) -> dict | None:
    """The feed URL and the app buttons the site settings offer for a show (None until the feed endpoint
    exists)."""
    if "feeds.podcast" not in current_app.view_functions:
        return None
    feed = absolute_url("feeds.podcast", show_slug=show.slug)
    return {"feed": feed, "apps": subscribe.subscribe_links(feed, current_site().subscribe_apps, show)}


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
    """A show: description, subscribe links and its public episodes, a page at a time (``?page=2``)."""
    found = _show_or_404(show_slug)
    page = request.args.get("page", 1, type=int)
    episodes = db.paginate(_visible_query(found.id, serial=found.show_type == "serial"), page=page,
                           per_page=EPISODES_PER_PAGE, error_out=True)
    return render_template("public/podcasts_show.html", show=found, episodes=episodes,
                           subscribe=subscribe_links(found))


@bp.route("/<show_slug>/<episode_slug>")
def episode(show_slug: str, episode_slug: str):
    """An episode: player, notes, chapters, transcript and the books it discusses. Drafts and future
    episodes answer 404."""
    found, item = visible_episode_or_404(show_slug, episode_slug)
    transcript = None
    if item.transcript is not None and item.transcript.size <= MAX_INLINE_TRANSCRIPT_BYTES:
        # The S3 store reads a file still local here, else its object: one request, no HEAD first.
        store = remote_media_store() or media_store()
        with contextlib.suppress(FileNotFoundError, StorageError), store.open(item.transcript.path) as handle:
            transcript = transcript_cues(handle.read())
    return render_template("public/podcasts_episode.html", show=found, episode=item, transcript=transcript,
                           subscribe=subscribe_links(found))
