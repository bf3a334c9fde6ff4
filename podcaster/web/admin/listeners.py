"""Admin: who is listening. Per show and per episode: downloads per day, totals, apps, countries, the first
days after release, each table also as CSV. Every figure comes from ``content.analytics.reports`` (the daily
aggregates), so a page costs the same at ten thousand hits as at ten million.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, abort, current_app, render_template, request

from ...content.analytics import charts, reports
from ...extensions import db
from ...models import Episode, Show
from .. import current_time
from ..forms.listeners import DateRangeForm
from . import bp

#: The tables of a show's page and of an episode's page, by the name their CSV file carries.
SHOW_TABLES = ("days", "episodes", "apps", "countries", "releases")
EPISODE_TABLES = ("days", "apps", "countries")

RELEASE_HEADINGS = ("Episode", "Released (UTC)", "Day 1", "First 7 days", "First 30 days", "First 90 days")


def utc_today() -> date:
    """Today's UTC date (the date-range picker's default end): downloads are counted in UTC days."""
    return current_time().date()


def how_counted() -> str:
    """The line under every figure saying how a download is counted (and, with S3 media, what cannot be seen)."""
    line = ("Downloads follow the IAB Podcast Measurement Guidelines (v2.2): only GET requests for an episode's "
            "audio, once at least one minute of it has been sent, one per listener, app and episode per UTC day; "
            "bots, other non-listeners and Apple Watch are left out. Audio the app sends itself is credited the "
            "bytes it answered with (the server hands the file to the kernel, so a listener who hangs up early "
            "is still credited the range asked for); nginx's access log counts the bytes actually sent.")
    if current_app.config.get("MEDIA_BACKEND") == "s3":
        line += (" Audio served from S3 or the CDN is counted per redirect: bytes are not seen, so a redirect"
                 " counts as the range it asks for, or the whole file without one (still once per listener, app"
                 " and episode a day).")
    return line


def _range_form() -> tuple[DateRangeForm, date, date, int]:
    """The picker bound to the query string, the range it chose, and the status a refusal answers with."""
    form = DateRangeForm(request.args, today=utc_today())
    if not form.validate():
        # A refused range still draws the page with the default range, the messages above the picker.
        start, end = form.default_range()
        return form, start, end, 422
    start, end = form.chosen_range()
    return form, start, end, 200


def _span(start: date, end: date) -> str:
    return f"{start.isoformat()} to {end.isoformat()}"


def show_tables(show: Show, start: date, end: date, episodes: list[reports.EpisodeRow] | None = None
                ) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Each table of a show's page: (headings, rows), as drawn and as written to CSV.

    Args:
        show: the show.
        start: the first UTC day.
        end: the last UTC day.
        episodes: the episode totals when the caller already has them (the page links each episode).
    """
    session, now = db.session, current_time()
    if episodes is None:
        episodes = reports.episode_totals(session, show.id, start, end)
    return {
        "days": (("Day (UTC)", "Downloads"),
                 [(row.day.isoformat(), row.downloads)
                  for row in reports.downloads_per_day(session, start, end, show_id=show.id)]),
        "episodes": (("Episode", "Downloads"), [(row.title, row.downloads) for row in episodes]),
        "apps": (("App", "Downloads"), [tuple(row) for row in reports.top_apps(session, start, end,
                                                                               show_id=show.id)]),
        "countries": (("Country", "Downloads"), [tuple(row) for row in reports.countries(session, start, end,
                                                                                         show_id=show.id)]),
        "releases": (RELEASE_HEADINGS, [(row.title, row.released.isoformat(), *row[3:])
                                        for row in reports.release_comparison(session, show.id, now)]),
    }


def episode_tables(episode: Episode, start: date, end: date) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Each table of an episode's page: (headings, rows)."""
    session = db.session
    return {
        "days": (("Day (UTC)", "Downloads"),
                 [(row.day.isoformat(), row.downloads)
                  for row in reports.downloads_per_day(session, start, end, episode_id=episode.id)]),
        "apps": (("App", "Downloads"), [tuple(row) for row in reports.top_apps(session, start, end,
                                                                               episode_id=episode.id)]),
        "countries": (("Country", "Downloads"), [tuple(row) for row in reports.countries(
            session, start, end, episode_id=episode.id)]),
    }


def _charts(tables: dict, title: str, start: date, end: date) -> dict[str, charts.Chart]:
    days = [(date.fromisoformat(day), value) for day, value in tables["days"][1]]
    return {
        "days": charts.daily_chart(days, f"Downloads per day, {title}, {_span(start, end)}", chart_id="days-chart"),
        "apps": charts.bar_chart(tables["apps"][1], f"Top apps, {_span(start, end)}", "App", chart_id="apps-chart",
                                 heading="Top apps"),
    }


@bp.route("/listeners")
def listeners():
    """Every show with its downloads over the chosen range, and the whole site's downloads per day."""
    form, start, end, status = _range_form()
    session = db.session
    days = reports.downloads_per_day(session, start, end)
    chart = charts.daily_chart([tuple(row) for row in days], f"Downloads per day, all shows, {_span(start, end)}",
                               chart_id="days-chart")
    return render_template("admin/listeners.html", form=form, start=start, end=end, chart=chart,
                           shows=reports.show_totals(session, start, end), total=sum(r.downloads for r in days),
                           how_counted=how_counted()), status


@bp.route("/listeners/shows/<int:show_id>")
def listeners_show(show_id: int):
    """One show: downloads per day, per episode, by app and country, and the first days after each release."""
    show = db.get_or_404(Show, show_id)
    form, start, end, status = _range_form()
    episodes = reports.episode_totals(db.session, show.id, start, end)
    tables = show_tables(show, start, end, episodes)
    return render_template("admin/listeners_show.html", show=show, form=form, start=start, end=end, tables=tables,
                           episode_rows=episodes,
                           charts=_charts(tables, show.title, start, end), how_counted=how_counted(),
                           total=sum(value for _, value in tables["days"][1])), status


@bp.route("/listeners/episodes/<int:episode_id>")
def listeners_episode(episode_id: int):
    """One episode: downloads per day, by app and by country."""
    episode = db.get_or_404(Episode, episode_id)
    form, start, end, status = _range_form()
    tables = episode_tables(episode, start, end)
    return render_template("admin/listeners_episode.html", episode=episode, form=form, start=start, end=end,
                           tables=tables, charts=_charts(tables, episode.title, start, end),
                           how_counted=how_counted(), total=sum(value for _, value in tables["days"][1]),
                           all_time=reports.total_downloads(db.session, episode_id=episode.id)), status


def _csv_cell(value) -> object:
    """A cell safe to open in a spreadsheet: app names come from user agents, so a leading =, +, - or @
    (a formula) is quoted away."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_answer(headings: tuple[str, ...], rows: list[tuple], filename: str) -> Response:
    """One table as a CSV download (UTF-8, a header row, a file name)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _csv_range_or_refuse() -> tuple[date, date]:
    form, start, end, status = _range_form()
    if status != 200:
        abort(Response("; ".join(form.error_messages()) + "\n", status=422, mimetype="text/plain"))
    return start, end


@bp.route("/listeners/shows/<int:show_id>/<any(" + ", ".join(SHOW_TABLES) + "):table>.csv")
def listeners_show_csv(show_id: int, table: str):
    """One table of a show's page as CSV, over the same range."""
    show = db.get_or_404(Show, show_id)
    start, end = _csv_range_or_refuse()
    headings, rows = show_tables(show, start, end)[table]
    return csv_answer(headings, rows, f"{show.slug}-{table}-{start.isoformat()}-{end.isoformat()}.csv")


@bp.route("/listeners/episodes/<int:episode_id>/<any(" + ", ".join(EPISODE_TABLES) + "):table>.csv")
def listeners_episode_csv(episode_id: int, table: str):
    """One table of an episode's page as CSV, over the same range."""
    episode = db.get_or_404(Episode, episode_id)
    start, end = _csv_range_or_refuse()
    headings, rows = episode_tables(episode, start, end)[table]
    return csv_answer(headings, rows, f"{episode.show.slug}-{episode.slug}-{table}-{start.isoformat()}-{end.isoformat()}.csv")
