"""Admin: podcast shows and their episodes (audio upload, transcript, chapters, artwork)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from ...content.audio import AudioError, UnsupportedAudio
from ...content.categories import join_choice
from ...content.chapters import ChaptersError, parse_chapters
from ...content.images import ARTWORK, ImageError
from ...content.links import format_links
from ...content.media import store_image
from ...content.podcasts import (
    AUDIO_FOLDER,
    EpisodeNumberError,
    FileChanges,
    attach_audio,
    attach_chapters,
    attach_transcript,
    audio_folder,
    check_episode_numbering,
    delete_episode,
    delete_media,
    delete_show,
    episode_slug_taken,
    podcast_guid,
    tag_audio,
    unique_episode_slug,
)
from ...content.publishing import PublishingError, display_status, resolve_publication
from ...content.slugs import slug_taken, unique_slug
from ...content.storage import MediaStore, StorageError
from ...content.transcripts import MAX_TRANSCRIPT_BYTES, TranscriptError
from ...extensions import db
from ...models import Author, Book, Episode, Show, ShowAuthor
from .. import current_time, media_store
from ..forms import ButtonForm
from ..forms.shows import EpisodeForm, ShowForm
from ..template_helpers import format_duration
from ..uploads import receive_upload, streams_uploads
from ..urls import absolute_url
from . import bp


def has_upload(data) -> bool:
    """Whether a file field received a file (an empty file input sends no name)."""
    return isinstance(data, FileStorage) and bool(data.filename)


def feed_url_for(slug: str) -> str:
    """The public feed address of a show, for its podcast:guid."""
    return absolute_url("feeds.podcast", show_slug=slug)


# --- shows ----------------------------------------------------------------------------------------------------


@bp.route("/shows/")
def shows():
    """List the shows with their episode counts."""
    rows = db.session.execute(db.select(Show).order_by(Show.position, Show.title)).scalars().all()
    return render_template("admin/shows_list.html", shows=rows)


@bp.route("/shows/new", methods=["GET", "POST"])
def show_new():
    """Create a show."""
    return _edit_show(None)


@bp.route("/shows/<int:show_id>/edit", methods=["GET", "POST"])
def show_edit(show_id: int):
    """Edit a show's details and artwork."""
    return _edit_show(db.get_or_404(Show, show_id))


def _fill_show_form(form: ShowForm, show: Show | None) -> None:
    if show is None:
        main = db.session.execute(db.select(Author).where(Author.is_main).limit(1)).scalar()
        if main is not None:
            form.author_name.data = form.owner_name.data = main.name
            form.credits.data = f"{main.name} | host"
        return
    for name in ("title", "slug", "subtitle", "description", "language", "explicit", "author_name", "owner_name",
                 "owner_email", "copyright", "show_type", "website_url", "locked", "complete", "new_feed_url",
                 "tag_mp3", "position"):
        getattr(form, name).data = getattr(show, name)
    form.category.data = join_choice(show.category, show.subcategory)
    form.funding.data = format_links(show.funding)
    form.credits.data = "\n".join(f"{credit.author.name} | {credit.role}" for credit in show.credits)


def _credit_authors(form: ShowForm) -> list[tuple[Author, str]] | None:
    """The authors named in the credits box, or None after adding an error to the form."""
    credited = []
    for name, role, _url in form.credits.entries:
        author = db.session.execute(
            db.select(Author).where(db.or_(db.func.lower(Author.name) == name.lower(), Author.slug == name.lower()))
        ).scalars().first()
        if author is None:
            form.credits.errors.append(f"No author called “{name}” on this site: add them under Authors first.")
            return None
        if any(existing.id == author.id for existing, _ in credited):
            form.credits.errors.append(f"{author.name} is listed twice.")
            return None
        credited.append((author, role or "host"))
    return credited


def _edit_show(show: Show | None):
    form = ShowForm()
    if request.method == "GET":
        _fill_show_form(form, show)
    status = 200
    if form.validate_on_submit():
        store = media_store()
        show_id = show.id if show else None
        slug = form.slug.data or unique_slug(db.session, Show, form.title.data, show_id, "show")
        credited = _credit_authors(form)
        if slug_taken(db.session, Show, slug, show_id):
            form.slug.errors.append(f"Another show already uses the slug “{slug}”.")
        elif credited is not None:
            changes = FileChanges()
            try:
                artwork = None
                if has_upload(form.artwork.data):
                    upload = form.artwork.data
                    artwork = store_image(db.session, store, upload.stream, upload.filename, ARTWORK,
                                          current_app.config["MAX_IMAGE_BYTES"])
                    changes.new_paths += [artwork.path] + [variant.path for variant in artwork.variants]
            except ImageError as exc:
                changes.discard(db.session, store)
                form.artwork.errors.append(str(exc))
            else:
                if show is None:
                    show = Show(podcast_guid=podcast_guid(feed_url_for(slug)))
                    db.session.add(show)
                if artwork is not None:
                    changes.old_paths += delete_media(db.session, show.artwork)
                    show.artwork = artwork
                _apply_show_form(form, show, slug, credited)
                changes.commit(db.session, store)
                flash(f"Saved {show.title}.", "success")
                return redirect(url_for("admin.episodes", show_id=show.id))
    if request.method == "POST":
        status = 400
    return render_template("admin/shows_form.html", form=form, show=show), status


def _apply_show_form(form: ShowForm, show: Show, slug: str, credited: list[tuple[Author, str]]) -> None:
    show.title = form.title.data.strip()
    show.slug = slug
    for name in ("subtitle", "description", "author_name", "owner_name", "owner_email", "copyright",
                 "website_url", "new_feed_url"):
        setattr(show, name, (getattr(form, name).data or "").strip())
    show.language = form.language.data
    show.category, show.subcategory = form.category.pair
    show.explicit = bool(form.explicit.data)
    show.show_type = form.show_type.data
    show.funding = form.funding.links
    show.locked = bool(form.locked.data)
    show.complete = bool(form.complete.data)
    show.tag_mp3 = bool(form.tag_mp3.data)
    show.position = form.position.data or 0
    # Existing credits are updated in place: deleting and re-adding one author would
    # clash with the (show, author) unique constraint inside a single flush.
    kept = {credit.author_id: credit for credit in show.credits}
    wanted = {author.id for author, _ in credited}
    for author_id, credit in kept.items():
        if author_id not in wanted:
            show.credits.remove(credit)
    for position, (author, role) in enumerate(credited):
        credit = kept.get(author.id)
        if credit is None:
            credit = ShowAuthor(author=author)
            show.credits.append(credit)
        credit.role, credit.position = role, position


@bp.route("/shows/<int:show_id>/delete", methods=["POST"])
def show_delete(show_id: int):
    """Delete a show with all its episodes and their files."""
    show = db.get_or_404(Show, show_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    title = show.title
    paths = delete_show(db.session, show)
    db.session.commit()
    store = media_store()
    for path in paths:
        store.delete(path)
    flash(f"Deleted {title} and its episodes.", "success")
    return redirect(url_for("admin.shows"))


# --- episodes -------------------------------------------------------------------------------------------------


def _episode_audio_folder(show_id: int | None = None, episode_id: int | None = None) -> str:
    """Where the episode form's uploads are streamed: the show's audio folder, known from the URL."""
    show = db.session.get(Show, show_id) if show_id is not None else None
    if episode_id is not None:
        episode = db.session.get(Episode, episode_id)
        show = episode.show if episode is not None else None
    # An unknown show or episode answers 404 in the view; its upload still needs a folder meanwhile.
    return audio_folder(show.slug) if show is not None else AUDIO_FOLDER


@bp.route("/shows/<int:show_id>/episodes/")
def episodes(show_id: int):
    """List a show's episodes, newest first, with their public status."""
    show = db.get_or_404(Show, show_id)
    rows = db.session.execute(
        db.select(Episode).where(Episode.show_id == show.id)
        .order_by(Episode.publish_at.desc().nulls_first(), Episode.id.desc())
    ).scalars().all()
    now = current_time()
    return render_template("admin/episodes_list.html", show=show, episodes=rows,
                           status_of=lambda episode: display_status(episode.status, episode.publish_at, now))


@bp.route("/shows/<int:show_id>/episodes/new", methods=["GET", "POST"])
@streams_uploads(_episode_audio_folder)
def episode_new(show_id: int):
    """Create an episode from an uploaded audio file."""
    show = db.get_or_404(Show, show_id)
    return _edit_episode(show, None)


@bp.route("/episodes/<int:episode_id>/edit", methods=["GET", "POST"])
@streams_uploads(_episode_audio_folder)
def episode_edit(episode_id: int):
    """Edit an episode; a new audio file is optional and replaces the old one."""
    episode = db.get_or_404(Episode, episode_id)
    return _edit_episode(episode.show, episode)


def _fill_episode_form(form: EpisodeForm, episode: Episode | None) -> None:
    if episode is None:
        return
    for name in ("title", "slug", "notes", "summary", "season", "number", "episode_type", "status", "publish_at"):
        getattr(form, name).data = getattr(episode, name)
    form.explicit.data = "" if episode.explicit is None else ("yes" if episode.explicit else "no")
    form.books.data = [book.id for book in episode.books]
    form.guests.data = "\n".join(
        " | ".join(part for part in (person.get("name", ""), person.get("role", ""), person.get("href", "")) if part)
        for person in episode.persons or []
    )


class _Refused(Exception):
    """An upload was refused: the field to flag, the message and the HTTP status."""

    def __init__(self, field, message: str, status: int) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def _edit_episode(show: Show, episode: Episode | None):
    store = media_store()
    form = EpisodeForm()
    form.books.choices = [SelectChoice(book.id, book.title) for book in
                          db.session.execute(db.select(Book).order_by(Book.position, Book.title)).scalars()]
    if request.method == "GET":
        _fill_episode_form(form, episode)
    status = 200
    if form.validate_on_submit():
        episode_id = episode.id if episode else None
        slug = form.slug.data or unique_episode_slug(db.session, show.id, form.title.data, episode_id)
        now = current_time()
        numbering = _numbering_problem(show, form, episode_id)
        if numbering is not None:
            getattr(form, numbering.field).errors.append(str(numbering))
        elif episode_slug_taken(db.session, show.id, slug, episode_id):
            form.slug.errors.append(f"Another episode of this show already uses the slug “{slug}”.")
        elif episode is None and not has_upload(form.audio.data):
            form.audio.errors.append("Choose the episode's audio file (MP3 or M4A).")
        else:
            try:
                publication = resolve_publication(form.status.data, form.publish_at.data, now)
            except PublishingError as exc:
                form.status.errors.append(str(exc))
            else:
                try:
                    saved = _save_episode(store, show, episode, form, slug, publication, now)
                except _Refused as refusal:
                    refusal.field.errors.append(refusal.message)
                    status = refusal.status
                else:
                    flash(_saved_message(saved, uploaded=has_upload(form.audio.data)), "success")
                    # After an upload the author lands on the episode itself: player, what was
                    # detected, and a one-click publish.
                    return redirect(url_for("admin.episode_edit", episode_id=saved.id))
    if request.method == "POST" and status == 200:
        status = 400
    return render_template("admin/episodes_form.html", form=form, show=show, episode=episode), status


def _numbering_problem(show: Show, form: EpisodeForm, episode_id: int | None) -> EpisodeNumberError | None:
    """The domain's refusal of the form's season and number, if any (an edit keeps its own number)."""
    try:
        check_episode_numbering(db.session, show.id, form.season.data, form.number.data, episode_id)
    except EpisodeNumberError as exc:
        return exc
    return None


def _save_episode(store: MediaStore, show: Show, episode: Episode | None, form: EpisodeForm, slug: str,
                  publication: tuple, now) -> Episode:
    """Apply the form and store its files in one change; on any refusal nothing is kept.

    Raises:
        _Refused: a file was refused (the change was rolled back and its files removed).
    """
    changes = FileChanges()
    try:
        if episode is None:
            episode = Episode(show=show)
            db.session.add(episode)
        episode.title = form.title.data.strip()
        episode.slug = slug
        episode.notes = form.notes.data or ""
        episode.summary = (form.summary.data or "").strip()
        episode.season, episode.number = form.season.data, form.number.data
        episode.episode_type = form.episode_type.data
        episode.explicit = {"": None, "yes": True, "no": False}[form.explicit.data]
        episode.status, episode.publish_at = publication
        episode.books = [db.session.get(Book, book_id) for book_id in form.books.data or []
                         if db.session.get(Book, book_id) is not None]
        episode.persons = [{"name": name, "role": role or "guest", **({"href": url} if url else {})}
                           for name, role, url in form.guests.entries]
        if form.remove_chapters.data and not has_upload(form.chapters.data):
            changes.old_paths += delete_media(db.session, episode.chapters_file)
            episode.chapters_file = None
            episode.chapters = []
        if has_upload(form.chapters.data):
            try:
                chapters = parse_chapters(form.chapters.data.stream.read(1024 * 1024 + 1))
            except ChaptersError as exc:
                raise _Refused(form.chapters, str(exc), 400) from exc
            attach_chapters(db.session, store, episode, show, chapters, form.chapters.data.filename, changes)
        if form.remove_transcript.data and not has_upload(form.transcript.data):
            changes.old_paths += delete_media(db.session, episode.transcript)
            episode.transcript = None
        if has_upload(form.transcript.data):
            try:
                attach_transcript(db.session, store, episode, show,
                                  form.transcript.data.stream.read(MAX_TRANSCRIPT_BYTES + 1),
                                  form.transcript.data.filename, changes)
            except TranscriptError as exc:
                raise _Refused(form.transcript, str(exc), 400) from exc
        if has_upload(form.artwork.data):
            try:
                artwork = store_image(db.session, store, form.artwork.data.stream, form.artwork.data.filename,
                                      ARTWORK, current_app.config["MAX_IMAGE_BYTES"])
            except ImageError as exc:
                raise _Refused(form.artwork, str(exc), 400) from exc
            changes.new_paths += [artwork.path] + [variant.path for variant in artwork.variants]
            changes.old_paths += delete_media(db.session, episode.artwork)
            episode.artwork = artwork
        elif form.remove_artwork.data:
            changes.old_paths += delete_media(db.session, episode.artwork)
            episode.artwork = None
        new_audio = has_upload(form.audio.data)
        if new_audio:
            try:
                # Already on disk in the show's audio folder when streamed; copied there once otherwise.
                received = receive_upload(form.audio.data, store, audio_folder(show.slug))
            except RequestEntityTooLarge as exc:
                raise _Refused(form.audio, exc.description, 413) from exc
            try:
                attach_audio(db.session, store, episode, show, received.path, form.audio.data.filename, changes,
                             size=received.size, sha256=received.sha256)
            except AudioError as exc:
                raise _Refused(form.audio, str(exc), 415 if isinstance(exc, UnsupportedAudio) else 400) from exc
        # Only a freshly stored file is tagged: rewriting a committed file before the commit could
        # leave it out of step with its row if the commit then failed.
        if new_audio:
            try:
                tag_audio(store, episode, show, year=(episode.publish_at or now).year)
            except AudioError as exc:
                raise _Refused(form.audio, str(exc), 400) from exc
        changes.commit(db.session, store)
        return episode
    except _Refused:
        changes.discard(db.session, store)
        raise
    except StorageError as exc:
        changes.discard(db.session, store)
        raise _Refused(form.audio, f"The file could not be stored: {exc}.", 500) from exc
    except BaseException:
        changes.discard(db.session, store)
        raise


def _saved_message(episode: Episode, uploaded: bool) -> str:
    """What the author should know after saving: what was read from a new audio file."""
    if not (uploaded and episode.audio):
        return f"Saved “{episode.title}”."
    kind = {"audio/mpeg": "MP3", "audio/mp4": "M4A (AAC)"}.get(episode.audio.mime_type, episode.audio.mime_type)
    chapters = f", {len(episode.chapters)} chapters found" if episode.chapters else ""
    return (f"Saved “{episode.title}”: {kind}, {format_duration(episode.duration)}, "
            f"{episode.audio.size / 1_000_000:.1f} MB{chapters}.")


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
    store = media_store()
    for path in paths:
        store.delete(path)
    flash(f"Deleted “{title}”.", "success")
    return redirect(url_for("admin.episodes", show_id=show_id))
