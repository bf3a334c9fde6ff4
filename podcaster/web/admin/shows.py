"""Admin: podcast shows (details, credits, artwork); their episodes are in ``episodes.py``."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from ...content.categories import join_choice
from ...content.directories import Requirement, directory_requirements, unmet
from ...content.images import ARTWORK, ImageError, check_artwork_file
from ...content.media import FileChanges, delete_media, remove_files, store_image
from ...content.podcasts import delete_show, podcast_guid
from ...content.slugs import slug_taken, unique_slug
from ...extensions import db
from ...models import Author, Show, ShowAuthor
from .. import media_store
from ..forms import ButtonForm
from ..forms.rows import fill_rows
from ..forms.shows import ShowForm
from ..held_uploads import HeldUpload, keep_or_replace, release
from ..urls import absolute_url
from . import bp


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
        fill_rows(form.credits, [{"name": main.name, "role": "host"}] if main is not None else [])
        fill_rows(form.funding, [])
        return
    for name in ("title", "slug", "subtitle", "description", "language", "explicit", "author_name", "owner_name",
                 "owner_email", "copyright", "show_type", "website_url", "locked", "complete", "new_feed_url",
                 "tag_mp3", "position", "apple_podcasts_url", "spotify_url"):
        getattr(form, name).data = getattr(show, name)
    form.category.data = join_choice(show.category, show.subcategory)
    fill_rows(form.funding, list(show.funding or []))
    fill_rows(form.credits, [{"name": credit.author.name, "role": credit.role} for credit in show.credits])


def _credit_authors(form: ShowForm) -> list[tuple[Author, str]] | None:
    """The authors named in the credits box, or None after adding an error to the form."""
    credited = []
    for name, role, _url in form.credits.people:
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
    held = None
    if request.method == "POST":
        try:
            held = keep_or_replace(form.artwork.data, form.artwork_held.data, "artwork",
                                   current_app.config["MAX_IMAGE_BYTES"], check=check_artwork_file)
        except RequestEntityTooLarge as exc:
            form.artwork.errors.append(exc.description)
            status = 413
        except ImageError as exc:
            form.validate_on_submit()  # the other fields' errors too, in one answer
            form.artwork.errors.append(str(exc))
            status = 400
    if status == 200 and form.validate_on_submit():
        store = media_store()
        show_id = show.id if show else None
        slug = form.slug.data or unique_slug(db.session, Show, form.title.data, show_id, "show")
        credited = _credit_authors(form)
        missing = unmet(_checklist(form, held)) if show is None else []
        if slug_taken(db.session, Show, slug, show_id):
            form.slug.errors.append(f"Another show already uses the slug “{slug}”.")
        elif credited is None:
            pass  # the credits box says which name it does not know
        elif missing:
            # A show Apple would refuse is not created: each field says what it needs.
            for requirement in missing:
                getattr(form, requirement.field).errors.append(requirement.problem)
            status = 422
        else:
            changes = FileChanges()
            try:
                artwork = None
                if held is not None:
                    with held.path.open("rb") as stream:
                        artwork = store_image(db.session, store, stream, held.filename, ARTWORK,
                                              current_app.config["MAX_IMAGE_BYTES"])
                    changes.new_paths += [artwork.path] + [variant.path for variant in artwork.variants]
            except ImageError as exc:
                changes.discard(db.session, store)
                form.artwork.errors.append(str(exc))
                release(held)
                held = None
            else:
                if show is None:
                    show = Show(podcast_guid=podcast_guid(feed_url_for(slug)))
                    db.session.add(show)
                if artwork is not None:
                    changes.old_paths += delete_media(db.session, show.artwork)
                    show.artwork = artwork
                _apply_show_form(form, show, slug, credited)
                changes.commit(db.session, store)
                release(held)
                flash(f"Saved {show.title}.", "success")
                return redirect(url_for("admin.episodes", show_id=show.id))
    if request.method == "POST" and status == 200:
        status = 400
    form.artwork_held.data = held.token if held else ""
    return render_template("admin/shows_form.html", form=form, show=show, held=held,
                           checklist=_checklist(form, held) if show is None else None), status


def _checklist(form: ShowForm, held: HeldUpload | None) -> list[Requirement]:
    """What the directories need of a new show, as the form stands (``content.directories``)."""
    return directory_requirements(
        has_artwork=held is not None, owner_email=form.owner_email.data or "",
        category=form.category.data or "", description=form.description.data or "",
        language=form.language.data or "")


def _apply_show_form(form: ShowForm, show: Show, slug: str, credited: list[tuple[Author, str]]) -> None:
    show.title = form.title.data.strip()
    show.slug = slug
    for name in ("subtitle", "description", "author_name", "owner_name", "owner_email", "copyright",
                 "website_url", "new_feed_url", "apple_podcasts_url", "spotify_url"):
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
    remove_files(media_store(), paths)
    flash(f"Deleted {title} and its episodes.", "success")
    return redirect(url_for("admin.shows"))
