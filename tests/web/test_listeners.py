"""The Listeners pages: charts with their tables, CSV of every table, the date-range picker's refusals,
the dashboard's last 30 days, and SQL statement counts that do not grow with the downloads."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import lxml.html

from ..helpers.feeds import set_clock
from ..helpers.listeners import NOW, TODAY, add_downloads, make_listened_show, spread_downloads
from ..helpers.queries import statements_for
from ..helpers.web import page_text

DAY = timedelta(days=1)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _table(html: str, table_id: str) -> list[list[str]]:
    table = lxml.html.fromstring(html).get_element_by_id(table_id)
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("td")] for row in table.xpath("tbody/tr")]


def test_show_and_episode_pages_draw_each_table_and_export_it(app, client, auth, database):
    set_clock(app, NOW)
    auth.login()
    show_id, (first, second) = make_listened_show(app, episodes=2)
    add_downloads(app, show_id, [(first, TODAY - 2 * DAY, "Overcast", 3), (first, TODAY, "=HYPERLINK(1)", 1),
                                 (second, TODAY, "Spotify", 4, "FR"), (first, TODAY - 40 * DAY, "Overcast", 99)])
    span = f"start={(TODAY - 6 * DAY).isoformat()}&end={TODAY.isoformat()}"

    page = client.get(f"/admin/listeners/shows/{show_id}?{span}")
    assert page.status_code == 200
    html = page_text(page)
    doc = lxml.html.fromstring(html)
    assert doc.xpath("string(//svg[@id='days-chart']/title)").startswith("Downloads per day, Heard Show")
    assert _table(html, "days-chart-table")[-3:] == [[(TODAY - 2 * DAY).isoformat(), "3"],
                                                     [(TODAY - DAY).isoformat(), "0"], [TODAY.isoformat(), "5"]]
    assert len(_table(html, "days-chart-table")) == 7
    assert _table(html, "episodes-table") == [["Episode 1", "4"], ["Episode 2", "4"]]
    assert _table(html, "apps-chart-table") == [["Spotify", "4"], ["Overcast", "3"], ["=HYPERLINK(1)", "1"]]
    assert _table(html, "countries-table") == [["Unknown", "4"], ["FR", "4"]]
    assert "IAB Podcast Measurement Guidelines" in html and "bytes are not seen" not in html
    assert "credited the bytes it answered with" in html and "access log counts the bytes actually sent" in html
    assert doc.xpath("//label[@for='start']/text()") == ["From"] and doc.xpath("//input[@id='end'][@type='date']")

    days = _csv(client.get(f"/admin/listeners/shows/{show_id}/days.csv?{span}"))
    assert days[0] == ["Day (UTC)", "Downloads"] and days[-1] == [TODAY.isoformat(), "5"] and len(days) == 8
    assert _csv(client.get(f"/admin/listeners/shows/{show_id}/episodes.csv?{span}"))[1:] == [
        ["Episode 1", "4"], ["Episode 2", "4"]]
    # A formula from a user agent is quoted away, never run by a spreadsheet.
    assert _csv(client.get(f"/admin/listeners/shows/{show_id}/apps.csv?{span}"))[-1] == ["'=HYPERLINK(1)", "1"]
    assert _csv(client.get(f"/admin/listeners/shows/{show_id}/countries.csv?{span}"))[1:] == [
        ["Unknown", "4"], ["FR", "4"]]
    releases = _csv(client.get(f"/admin/listeners/shows/{show_id}/releases.csv"))
    assert releases[0][:3] == ["Episode", "Released (UTC)", "Day 1"]
    assert releases[1] == ["Episode 2", (NOW - DAY).date().isoformat(), "0", "", "", ""]
    assert client.get(f"/admin/listeners/shows/{show_id}/nothing.csv").status_code == 404

    episode = page_text(client.get(f"/admin/listeners/episodes/{first}?{span}"))
    assert _table(episode, "apps-chart-table") == [["Overcast", "3"], ["=HYPERLINK(1)", "1"]]
    assert "103 downloads since release" in episode
    assert "countries-table" not in episode  # no download of this episode has a country
    assert _csv(client.get(f"/admin/listeners/episodes/{first}/days.csv?{span}"))[-1] == [TODAY.isoformat(), "1"]

    app.config["MEDIA_BACKEND"] = "s3"
    assert "counted per redirect: bytes are not seen" in page_text(client.get(f"/admin/listeners/shows/{show_id}"))
    app.config["MEDIA_BACKEND"] = "local"

    dashboard = page_text(client.get("/admin/"))
    assert "Listeners, last 30 days: 8 downloads" in dashboard  # the download 40 days ago is outside
    assert "8 downloads in the last 30 days" in dashboard
    assert len(_table(dashboard, "glance-chart-table")) == 30
    overview = page_text(client.get(f"/admin/listeners?{span}"))
    assert _table(overview, "shows-table") == [["Heard Show", "8"]]


def test_the_date_picker_refuses_bad_ranges_with_a_message(app, client, auth, database):
    set_clock(app, NOW)
    auth.login()
    show_id, (episode,) = make_listened_show(app, episodes=1)
    refusals = {
        "start=2026-13-01": "From: Not a valid date value.",
        "start=2026-06-10&end=2026-06-01": "before “From”",
        "start=2020-01-01&end=2026-06-01": "Choose at most 1098 days",
        "end=yesterday": "To: Not a valid date value.",
        # Either day alone is checked too (an empty To used to skip every range check), before any arithmetic.
        "start=0001-01-01": "From: Choose a day between 2000 and",
        "end=0001-01-01": "To: Choose a day between 2000 and",
        "end=9999-12-31": "To: Choose a day between 2000 and",
        f"start={(TODAY + DAY).isoformat()}": "From: “From” is after today",
        f"start={(TODAY - 1200 * DAY).isoformat()}": "Choose at most 1098 days",
    }
    for query, message in refusals.items():
        for url in (f"/admin/listeners/shows/{show_id}?{query}", f"/admin/listeners/episodes/{episode}?{query}",
                    f"/admin/listeners?{query}"):
            response = client.get(url)
            assert response.status_code == 422, url
            assert message in page_text(response), url
            assert 'role="alert"' in page_text(response)
        exported = client.get(f"/admin/listeners/shows/{show_id}/days.csv?{query}")
        assert exported.status_code == 422 and message in page_text(exported)
    assert client.get(f"/admin/listeners/shows/{show_id}?start=&end=").status_code == 200  # empty: the defaults


def test_statistics_pages_run_as_many_statements_at_many_downloads_as_at_few(app, client, auth, database):
    set_clock(app, NOW)
    auth.login()
    show_id, episodes = make_listened_show(app, episodes=4)
    pages = ["/admin/", "/admin/listeners", f"/admin/listeners/shows/{show_id}",
             f"/admin/listeners/episodes/{episodes[0]}", f"/admin/listeners/shows/{show_id}/releases.csv",
             f"/admin/listeners/shows/{show_id}/apps.csv"]
    add_downloads(app, show_id, spread_downloads(episodes, 2, ("Overcast",), 1))
    for url in pages:  # warm: the first admin view loads the site settings
        client.get(url)
    few = {url: statements_for(app, client, url)[1] for url in pages}
    add_downloads(app, show_id, spread_downloads(episodes, 90, ("Overcast", "Spotify", "Castro", "Other"), 5000,
                                                 end=TODAY - 2 * DAY))
    many = {}
    for url in pages:
        status, number, _ = statements_for(app, client, url)
        assert status == 200, url
        many[url] = number
    assert many == few


def test_the_default_range_ends_on_the_utc_day_not_the_site_s_local_day(app, client, auth, database):
    # 12:00 UTC on the 16th is already the 17th in Auckland: the figures are UTC days, so is the range.
    app.config["SITE_TIME_ZONE"] = "Pacific/Auckland"
    set_clock(app, NOW)
    auth.login()
    response = client.get("/admin/listeners")
    assert response.status_code == 200
    assert f"{(TODAY - 29 * DAY).isoformat()} to {TODAY.isoformat()}" in page_text(response)
    assert (TODAY + DAY).isoformat() not in page_text(response)
