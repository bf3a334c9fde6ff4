"""Admin: the background jobs, with their state, progress and error, and a retry for failed ones."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ...content import jobrecords
from ...extensions import db
from ...jobs import enqueue
from ...models import JobRecord, JobState
from ..forms import ButtonForm
from . import bp


@bp.route("/jobs")
def jobs():
    """The newest jobs first; the page refreshes itself while any is queued or running."""
    records = jobrecords.recent(db.session)
    busy = any(record.state in (JobState.QUEUED, JobState.RUNNING, JobState.RETRYING) for record in records)
    return render_template("admin/jobs.html", records=records, busy=busy)


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
