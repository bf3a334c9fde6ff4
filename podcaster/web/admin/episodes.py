"""Admin: a show's episodes (list, the episode form with its uploads, publish, delete).

The form only translates: its fields become ``EpisodeFields`` / ``EpisodeFiles`` for
``content.episodes.save_episode``, and an ``EpisodeRefused`` becomes an error on the
field it names, with its status.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from ...content.episodes import (
    EpisodeFields,
    EpisodeFiles,
    EpisodeLimits,
    EpisodeRefused,
    IncomingFile,
    save_episode,
)
from ...content.images import ImageError, check_artwork_file
from ...content.media import remove_files
from ...content.podcasts import delete_episode
from ...content.publishing import display_status, resolve_publication
from ...content.text import binary_size
from ...content.transfers import hold_until_transferred
from ...extensions import db
from ...models import Book, Episode, Show
from .. import current_time, media_store
from ..forms import ButtonForm
from ..forms.rows import fill_rows
from ..forms.shows import EpisodeForm
from ..template_helpers import format_duration
from ..held_uploads import HeldUpload, consumable_link, keep_or_replace, release
from ..uploads import streams_uploads
from . import ADMIN_PER_PAGE, bp
from .image_fields import has_upload


@bp.route("/shows/<int:show_id>/episodes/")
def episodes(show_id: int):
    """List a show's episodes, newest first (drafts on top), with their public status, a page at a time."""
    show = db.get_or_404(Show, show_id)
    order = (Episode.publish_at.desc().nulls_first(), Episode.id.desc())
    # No index gives this order (drafts first), so the show's episodes are sorted on every view: sort
    # their ids alone (read from the (show_id, publish_at, id) index), then load the page's rows.
    page = db.paginate(db.select(Episode.id).where(Episode.show_id == show.id).order_by(*order),
                       per_page=ADMIN_PER_PAGE, error_out=True)
    rows = db.session.execute(db.select(Episode).where(Episode.id.in_(page.items)).order_by(*order)).scalars().all()
    now = current_time()
    return render_template("admin/episodes_list.html", show=show, episodes=rows, page=page,
                           status_of=lambda episode: display_status(episode.status, episode.publish_at, now))


@bp.route("/shows/<int:show_id>/episodes/new", methods=["GET", "POST"])
@streams_uploads
def episode_new(show_id: int):
    """Create an episode from an uploaded audio file."""
    show = db.get_or_404(Show, show_id)
    return _edit_episode(show, None)


@bp.route("/episodes/<int:episode_id>/edit", methods=["GET", "POST"])
@streams_uploads
def episode_edit(episode_id: int):
    """Edit an episode; a new audio file is optional and replaces the old one."""
    episode = db.get_or_404(Episode, episode_id)
    return _edit_episode(episode.show, episode)


def _fill_episode_form(form: EpisodeForm, episode: Episode | None) -> None:
    if episode is None:
        fill_rows(form.guests, [])
        return
    for name in ("title", "slug", "notes", "summary", "season", "number", "episode_type", "status", "publish_at"):
        getattr(form, name).data = getattr(episode, name)
    form.explicit.data = "" if episode.explicit is None else ("yes" if episode.explicit else "no")
    form.books.data = [book.id for book in episode.books]
    fill_rows(form.guests, [{"name": person.get("name", ""), "role": person.get("role", ""),
                             "url": person.get("href", "")} for person in episode.persons or []])


def _edit_episode(show: Show, episode: Episode | None):
    form = EpisodeForm()
    form.books.choices = [SelectChoice(book.id, book.title) for book in
                          db.session.execute(db.select(Book).order_by(Book.position, Book.title)).scalars()]
    if request.method == "GET":
        _fill_episode_form(form, episode)
    status = 200
    held: dict[str, HeldUpload | None] = {"audio": None, "artwork": None}
    if request.method == "POST":
        held, refusal = _held_files(form)
        if refusal is not None:
            form.validate_on_submit()  # the other fields' errors too, in one answer
            getattr(form, refusal.field).errors.append(refusal.message)
            status = refusal.status
    if status == 200 and form.validate_on_submit():
        try:
            saved = save_episode(db.session, media_store(), show, episode, _episode_fields(form),
                                 _episode_files(form, held), current_time(),
                                 EpisodeLimits(current_app.config["MAX_UPLOAD_BYTES"],
                                               current_app.config["MAX_IMAGE_BYTES"]))
        except EpisodeRefused as refusal:
            getattr(form, refusal.field).errors.append(refusal.message)
            status = refusal.status
            # A refused file is not kept; the others wait for the next submit.
            if refusal.field in held:
                release(held[refusal.field])
                held[refusal.field] = None
        else:
            release(*held.values())
            flash(_saved_message(saved, uploaded=held["audio"] is not None), "success")
            if saved.transfer_error:
                flash(_held_message(saved.transfer_error), "error")
            # After an upload the author lands on the episode itself: player, what was
            # detected, and a one-click publish.
            return redirect(url_for("admin.episode_edit", episode_id=saved.id))
    if request.method == "POST" and status == 200:
        status = 400
    for name in ("audio", "artwork"):
        getattr(form, f"{name}_held").data = held[name].token if held[name] else ""
    return render_template("admin/episodes_form.html", form=form, show=show, episode=episode,
                           held=held), status


def _held_files(form: EpisodeForm) -> tuple[dict[str, HeldUpload | None], EpisodeRefused | None]:
    """The audio and artwork for this submit: newly chosen files (held first) or the ones held before.

    Returns:
        The held files, and the refusal of a new file (larger than the site accepts, or artwork
        Apple would refuse) if any: the other file stays held.
    """
    held: dict[str, HeldUpload | None] = {"audio": None, "artwork": None}
    # The audio is checked by the save (probing a long file twice would double the wait).
    for name, limit, check in (("audio", current_app.config["MAX_UPLOAD_BYTES"], None),
                               ("artwork", current_app.config["MAX_IMAGE_BYTES"], check_artwork_file)):
        try:
            held[name] = keep_or_replace(getattr(form, name).data, getattr(form, f"{name}_held").data, name,
                                         limit, check=check)
        except RequestEntityTooLarge as exc:
            return held, EpisodeRefused(name, exc.description, 413)
        except ImageError as exc:
            return held, EpisodeRefused(name, str(exc), 400)
    return held, None


def _episode_fields(form: EpisodeForm) -> EpisodeFields:
    return EpisodeFields(
        title=form.title.data, slug=form.slug.data or None, notes=form.notes.data or "",
        summary=form.summary.data or "", season=form.season.data, number=form.number.data,
        episode_type=form.episode_type.data, explicit=EpisodeFields.explicit_choice(form.explicit.data),
        status=form.status.data, publish_at=form.publish_at.data, book_ids=list(form.books.data or []),
        guests=list(form.guests.people),
    )


def _episode_files(form: EpisodeForm, held: dict[str, HeldUpload | None]) -> EpisodeFiles:
    """The form's files; the audio and artwork come from ``held`` (see ``_held_files``)."""
    def small(field) -> IncomingFile | None:
        return IncomingFile(field.data.filename, stream=field.data.stream) if has_upload(field.data) else None

    audio = artwork = None
    if held["audio"] is not None:
        # The save consumes its received file: it gets a second name, and the held one stays for a retry.
        audio = IncomingFile(held["audio"].filename, received=consumable_link(held["audio"]),
                             size=held["audio"].size, sha256=held["audio"].sha256,
                             frames=held["audio"].frames)
    if held["artwork"] is not None:
        artwork = IncomingFile(held["artwork"].filename, path=held["artwork"].path)
    return EpisodeFiles(audio=audio, transcript=small(form.transcript), chapters=small(form.chapters),
                        artwork=artwork, remove_transcript=bool(form.remove_transcript.data),
                        remove_chapters=bool(form.remove_chapters.data),
                        remove_artwork=bool(form.remove_artwork.data))


def _saved_message(episode: Episode, uploaded: bool) -> str:
    """What the author should know after saving: what was read from a new audio file."""
    if not (uploaded and episode.audio):
        return f"Saved “{episode.title}”."
    kind = {"audio/mpeg": "MP3", "audio/mp4": "M4A (AAC)"}.get(episode.audio.mime_type, episode.audio.mime_type)
    chapters = f", {len(episode.chapters)} chapters found" if episode.chapters else ""
    return (f"Saved “{episode.title}”: {kind}, {format_duration(episode.duration)}, "
            f"{binary_size(episode.audio.size)}{chapters}.")


def _held_message(reason: str) -> str:
    return (f"The audio is not in media storage yet, so the episode stays a draft ({reason}). "
            "Publish it again to retry the transfer.")


@bp.route("/episodes/<int:episode_id>/publish", methods=["POST"])
def episode_publish(episode_id: int):
    """Publish an episode now, with one click."""
    episode = db.get_or_404(Episode, episode_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if episode.audio is None and not episode.remote_audio_url:
        flash("Upload the episode's audio before publishing it.", "error")
        return redirect(url_for("admin.episode_edit", episode_id=episode.id)), 303
    episode.status, episode.publish_at = resolve_publication("published", None, current_time())
    db.session.commit()
    held = hold_until_transferred(db.session, media_store(), episode)
    if held:
        flash(_held_message(held), "error")
        return redirect(url_for("admin.episode_edit", episode_id=episode.id)), 303
    flash(f"“{episode.title}” is published.", "success")
    return redirect(url_for("admin.episode_edit", episode_id=episode.id))


@bp.route("/episodes/<int:episode_id>/delete", methods=["POST"])
def episode_delete(episode_id: int):
    """Delete an episode and its files."""
    episode = db.get_or_404(Episode, episode_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    show_id, title = episode.show_id, episode.title
    paths = delete_episode(db.session, episode)
    db.session.commit()
    remove_files(media_store(), paths)
    flash(f"Deleted “{title}”.", "success")
    return redirect(url_for("admin.episodes", show_id=show_id))
