"""Admin: the background jobs, with their state, progress and error, a retry for failed ones, and the
Storage section that queues ``media migrate`` as a job (owners only: it moves every file)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ...content import jobrecords
from ...extensions import db
from ...jobs import enqueue
from ...jobs.tasks import MIGRATE_LABELS, queue_migration
from ...models import JobRecord, JobState, MediaFile
from ...models.media import STORED_IN_S3, STORED_LOCALLY
from .. import remote_media_store
from ..forms import ButtonForm
from . import bp

#: The account role that may move every media file (an editor edits content, the owner runs the site).
OWNER_ROLE = "owner"


def _may_migrate() -> bool:
    return getattr(current_user, "role", None) == OWNER_ROLE


@bp.route("/jobs")
def jobs():
    """The newest jobs first; the page refreshes itself while any is queued or running."""
    records = jobrecords.recent(db.session)
    busy = any(record.state in (JobState.QUEUED, JobState.RUNNING, JobState.RETRYING) for record in records)
    storage = None
    if _may_migrate() and remote_media_store() is not None:
        counts = dict(db.session.execute(db.select(MediaFile.stored_in, db.func.count())
                                         .group_by(MediaFile.stored_in)).all())
        storage = {"local": counts.get(STORED_LOCALLY, 0), "s3": counts.get(STORED_IN_S3, 0),
                   "labels": MIGRATE_LABELS}
    return render_template("admin/jobs.html", records=records, busy=busy, storage=storage)


@bp.post("/jobs/<int:record_id>/retry")
def retry_job(record_id: int):
    """Queue a failed job again with the arguments it had (a new record; the failed one stays)."""
    record = db.get_or_404(JobRecord, record_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if record.state != JobState.FAILED or record.name.endswith("_periodic"):
        flash("Only a failed job can be tried again.", "error")
        return redirect(url_for("admin.jobs")), 409
    enqueue(record.name, label=record.label, **record.arguments)
    flash(f"Queued again: {record.label}", "success")
    return redirect(url_for("admin.jobs"))


@bp.post("/jobs/migrate/<to>")
def migrate_media(to: str):
    """Queue the move of every media file to the bucket (``s3``) or back (``local``), as ``media migrate``."""
    if to not in MIGRATE_LABELS:
        abort(404)
    if not _may_migrate():
        abort(403)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if remote_media_store() is None:
        flash("No bucket is configured: set PODCASTER_S3_BUCKET (and the other PODCASTER_S3_*) first.", "error")
        return redirect(url_for("admin.jobs")), 409
    if queue_migration(to) is None:
        flash(f"Already under way (or the queue is away): {MIGRATE_LABELS[to]}", "error")
        return redirect(url_for("admin.jobs")), 409
    flash(f"Queued: {MIGRATE_LABELS[to]}. Its progress shows below.", "success")
    return redirect(url_for("admin.jobs"))
