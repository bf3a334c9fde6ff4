"""Admin: move an existing podcast in from its RSS feed."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from ...content.feeds.importer import MAX_FEED_BYTES, FeedImportError, fetch_url, import_feed, read_limited
from ...extensions import db
from .. import fetch_policy, media_store
from ..forms.importing import ImportFeedForm
from . import bp


@bp.route("/import", methods=["GET", "POST"])
def import_podcast():
    """Import a show and its episodes from a feed URL or file; re-importing updates it."""
    form = ImportFeedForm()
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form), 400 if form.is_submitted() else 200
    policy = fetch_policy()
    try:
        if form.feed_file.data and form.feed_file.data.filename:
            data = read_limited(form.feed_file.data.stream, MAX_FEED_BYTES, "the feed")
        else:
            data = read_limited(fetch_url(form.feed_url.data, MAX_FEED_BYTES, policy), MAX_FEED_BYTES,
                                "the feed")
        result = import_feed(
            db.session, media_store(), data, policy=policy, download_audio=not form.keep_remote.data,
            max_audio_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            max_image_bytes=current_app.config["MAX_IMAGE_BYTES"],
        )
    except FeedImportError as exc:
        db.session.rollback()
        form.feed_url.errors.append(f"The feed could not be imported: {exc}")
        return render_template("admin/import.html", form=form), 422
    flash(f"Imported “{result.show.title}”: {result.created} new and {result.updated} updated episodes, "
          f"{result.downloaded} audio files downloaded.", "success")
    if result.repairs:
        flash("The feed was not quite well-formed XML; podcast apps forgive that, and so did the import: "
              + "; ".join(result.repairs) + ".", "info")
    for problem in result.problems:
        flash(problem, "error")
    return redirect(url_for("admin.dashboard"))
