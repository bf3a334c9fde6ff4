"""Admin: move an existing podcast in from its RSS feed (the long part runs as a job)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from ...content.feeds.importer import MAX_FEED_BYTES, FeedImportError, fetch_url, read_feed, read_limited
from ...jobs import enqueue
from ...jobs.tasks import keep_import_file
from .. import fetch_policy
from ..forms.importing import ImportFeedForm
from . import bp


@bp.route("/import", methods=["GET", "POST"])
def import_podcast():
    """Check a feed (URL or file) at once, then import its show and episodes as a job; re-importing updates.

    The feed is fetched and parsed here, so an address that is refused or a document that is not RSS is
    answered on the form (422); downloading artwork and audio runs on the queue, with its progress on the
    Jobs page.
    """
    form = ImportFeedForm()
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form), 400 if form.is_submitted() else 200
    try:
        if form.feed_file.data and form.feed_file.data.filename:
            data = read_limited(form.feed_file.data.stream, MAX_FEED_BYTES, "the feed")
            source = form.feed_file.data.filename
        else:
            data = read_limited(fetch_url(form.feed_url.data, MAX_FEED_BYTES, fetch_policy()), MAX_FEED_BYTES,
                                "the feed")
            source = form.feed_url.data
        read_feed(data)
    except FeedImportError as exc:
        form.feed_url.errors.append(f"The feed could not be imported: {exc}")
        return render_template("admin/import.html", form=form), 422
    enqueue("import_podcast", label=f"Import {source}"[:300], keep_remote=bool(form.keep_remote.data),
            feed_path=keep_import_file(current_app._get_current_object(), data))
    flash("The import is running: its progress is shown below.", "success")
    return redirect(url_for("admin.jobs"))
