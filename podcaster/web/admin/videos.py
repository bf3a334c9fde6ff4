"""Admin: the YouTube video list."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ...content.youtube import watch_url
from ...extensions import db
from ...models import Episode, Video
from ..forms import ButtonForm
from ..forms.books import optional_choices
from ..forms.videos import VideoForm
from . import bp
from .authors import author_choices
from .books import book_choices


def _episode_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(db.select(Episode.id, Episode.title).order_by(Episode.publish_at.desc()))
    return [(row.id, row.title) for row in rows]


@bp.route("/videos/")
def videos():
    """List the videos in their display order."""
    rows = db.session.execute(
        db.select(Video).order_by(Video.position, Video.published_on.desc(), Video.id.desc())
    ).scalars().all()
    return render_template("admin/videos_list.html", videos=rows)


@bp.route("/videos/new", methods=["GET", "POST"])
def video_new():
    """Add a video by its YouTube link."""
    return _edit_video(None)


@bp.route("/videos/<int:video_id>/edit", methods=["GET", "POST"])
def video_edit(video_id: int):
    """Edit a video."""
    return _edit_video(db.get_or_404(Video, video_id))


def _edit_video(video: Video | None):
    form = VideoForm(obj=video)
    form.author_id.choices = optional_choices(author_choices())
    form.book_id.choices = optional_choices(book_choices())
    form.episode_id.choices = optional_choices(_episode_choices())
    if request.method == "GET" and video is not None:
        form.url.data = watch_url(video.youtube_id)
    if form.validate_on_submit():
        duplicate = db.session.execute(
            db.select(Video).where(Video.youtube_id == form.video_id,
                                   Video.id != (video.id if video else -1))
        ).scalar_one_or_none()
        if duplicate is not None:
            form.url.errors.append(f"This video is already in the list, as “{duplicate.title}”.")
        else:
            if video is None:
                video = Video()
                db.session.add(video)
            video.youtube_id = form.video_id
            video.title = form.title.data.strip()
            video.description = form.description.data or ""
            video.published_on = form.published_on.data
            video.position = form.position.data or 0
            video.author_id = form.author_id.data or None
            video.book_id = form.book_id.data or None
            video.episode_id = form.episode_id.data or None
            db.session.commit()
            flash(f"Saved “{video.title}”.", "success")
            return redirect(url_for("admin.videos"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/videos_form.html", form=form, video=video), status


@bp.route("/videos/<int:video_id>/delete", methods=["POST"])
def video_delete(video_id: int):
    """Remove a video from the list."""
    video = db.get_or_404(Video, video_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    title = video.title
    db.session.delete(video)
    db.session.commit()
    flash(f"Deleted “{title}”.", "success")
    return redirect(url_for("admin.videos"))
