"""Admin: the feed doctor ("Feed health"): every show's feed checked, and any feed URL on request."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from ...content.feeds import doctor, health
from ...extensions import db
from ...models import Show
from .. import current_time, fetch_policy
from ..feeds import check_show
from ..forms import ButtonForm
from . import bp


@bp.route("/feed-doctor", methods=["GET", "POST"])
def feed_doctor():
    """Feed health: each show's stored error and warning counts, and a form to check any feed by URL.

    The counts are those the doctor stored when it last ran (``health``): the doctor opens every
    artwork and audio file, so this list never runs it; a show's details page, or its "Check now"
    button, does. Checking a URL makes the server fetch it, so it is a POST with a CSRF token (a link
    or an image on another site cannot make the server fetch anything); a GET never fetches.
    """
    shows = db.session.execute(db.select(Show).order_by(Show.position, Show.title)).scalars().all()
    summaries = health.summaries(db.session, current_time())
    reports = [(show, summaries.get(show.id)) for show in shows]
    url = ""
    url_report = None
    status = 200
    if ButtonForm().validate_on_submit():
        url = request.form.get("url", "").strip()
        if not url.startswith(("http://", "https://")):
            url_report = doctor.Report(url, [doctor.Problem(doctor.ERROR, "fetch.url",
                                                            "Give an http:// or https:// address.", "/")])
            status = 400
        else:
            url_report = doctor.check_url(url, policy=fetch_policy())
    return render_template("admin/feed_doctor.html", reports=reports, url=url, url_report=url_report), status


@bp.route("/feed-doctor/<int:show_id>")
def feed_doctor_show(show_id: int):
    """Every problem the doctor finds in one show's feed, with its rule and location."""
    show = db.get_or_404(Show, show_id)
    return render_template("admin/feed_doctor_show.html", show=show, report=check_show(show))


@bp.route("/feed-doctor/<int:show_id>/check", methods=["POST"])
def feed_doctor_check(show_id: int):
    """Check one show's feed now (the dashboard's or the Feed health page's button) and go back to the
    fresh figures.

    A POST with a CSRF token: the dashboard itself never runs the doctor.
    """
    show = db.get_or_404(Show, show_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    check_show(show)
    if request.form.get("back") == "feed-doctor":
        return redirect(url_for("admin.feed_doctor") + f"#show-{show_id}")
    return redirect(url_for("admin.dashboard") + f"#show-{show_id}")
