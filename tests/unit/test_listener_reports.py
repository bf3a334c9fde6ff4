"""The statistics queries, over ``download_day`` rows seeded directly (the counting engine is tested apart)."""
from __future__ import annotations

from datetime import timedelta

from podcaster.content.analytics import reports
from podcaster.extensions import db

from ..helpers.listeners import NOW, TODAY, add_downloads, make_listened_show
from ..helpers.queries import counting_statements

DAY = timedelta(days=1)


def test_downloads_per_day_fills_every_day_and_scopes_to_show_and_episode(app, database):
    show_id, (first, second) = make_listened_show(app, episodes=2)
    other_show, (elsewhere,) = make_listened_show(app, episodes=1, slug="other", title="Other")
    add_downloads(app, show_id, [(first, TODAY - 2 * DAY, "Overcast", 3), (first, TODAY - 2 * DAY, "Spotify", 2),
                                 (second, TODAY, "Overcast", 4), (first, TODAY - 9 * DAY, "Overcast", 100)])
    add_downloads(app, other_show, [(elsewhere, TODAY, "Overcast", 50)])
    with app.app_context():
        days = reports.downloads_per_day(db.session, TODAY - 3 * DAY, TODAY, show_id=show_id)
        assert days == [(TODAY - 3 * DAY, 0), (TODAY - 2 * DAY, 5), (TODAY - DAY, 0), (TODAY, 4)]
        assert [row.downloads for row in reports.downloads_per_day(
            db.session, TODAY - 3 * DAY, TODAY, episode_id=first)] == [0, 5, 0, 0]
        assert reports.downloads_per_day(db.session, TODAY, TODAY)[0].downloads == 54  # the whole site
        assert reports.total_downloads(db.session, show_id=show_id) == 109
        assert reports.total_downloads(db.session, TODAY - 3 * DAY, TODAY, show_id=show_id) == 9
        assert reports.episode_totals(db.session, show_id, TODAY - 3 * DAY, TODAY) == [
            (first, "Episode 1", 5), (second, "Episode 2", 4)]
        assert reports.show_totals(db.session, TODAY, TODAY) == [(show_id, "Heard Show", 4),
                                                                  (other_show, "Other", 50)]
        assert reports.countries(db.session, TODAY - 9 * DAY, TODAY, show_id=show_id) == []  # no GeoIP: no table

    # Top apps: ranked, the rest folded into one row; countries once some downloads have one.
    apps_show, (episode,) = make_listened_show(app, episodes=1, slug="apps", title="Apps")
    add_downloads(app, apps_show, [(episode, TODAY, f"App {n}", n) for n in range(1, 6)]
                  + [(episode, TODAY - DAY, "App 5", 10, "FR"), (episode, TODAY - DAY, "App 1", 2, "DE")])
    with app.app_context():
        assert reports.top_apps(db.session, TODAY - DAY, TODAY, show_id=apps_show, limit=2) == [
            ("App 5", 15), ("App 4", 4), ("All others", 8)]
        assert len(reports.top_apps(db.session, episode_id=episode, limit=None)) == 5
        assert reports.countries(db.session, TODAY - DAY, TODAY, show_id=apps_show) == [
            ("Unknown", 15), ("FR", 10), ("DE", 2)]


def test_release_windows_compare_the_first_days_and_leave_unfinished_windows_empty(app, database):
    # Episode 1 came out 101 days ago, episode 2 one day ago (days_apart=100).
    show_id, (old, new) = make_listened_show(app, episodes=2, days_apart=100)
    old_day, new_day = (NOW - 101 * DAY).date(), (NOW - DAY).date()
    add_downloads(app, show_id, [
        (old, old_day, "Overcast", 10), (old, old_day + DAY, "Overcast", 5), (old, old_day + 6 * DAY, "Spotify", 1),
        (old, old_day + 7 * DAY, "Overcast", 20), (old, old_day + 89 * DAY, "Overcast", 2),
        (old, old_day + 90 * DAY, "Overcast", 1000), (old, old_day - DAY, "Overcast", 500),
        (new, new_day, "Overcast", 30), (new, TODAY, "Overcast", 8)])
    with app.app_context():
        rows = reports.release_comparison(db.session, show_id, NOW)
    assert rows == [
        (new, "Episode 2", new_day, 30, None, None, None),
        (old, "Episode 1", old_day, 10, 16, 36, 38),
    ]

    # Two statements (the episodes, their first 90 days) whatever the volume of aggregates.
    busy_show, episodes = make_listened_show(app, episodes=5, slug="busy")
    add_downloads(app, busy_show, [(e, TODAY, "Overcast", 1) for e in episodes])
    with app.app_context(), counting_statements(app) as few:
        reports.release_comparison(db.session, busy_show, NOW)
    add_downloads(app, busy_show, [(e, TODAY - n * DAY, f"App {a}", 1000) for e in episodes
                                   for n in range(1, 40) for a in range(5)])
    with app.app_context(), counting_statements(app) as many:
        reports.release_comparison(db.session, busy_show, NOW)
    assert len(few) == len(many) == 2


def test_episode_report_lists_every_episode_with_its_apps(app, database):
    show_id, (first, second, third) = make_listened_show(app, episodes=3)
    add_downloads(app, show_id, [(first, TODAY - 30 * DAY, "Overcast", 100), (first, TODAY, "Overcast", 2),
                                 (first, TODAY, "Spotify", 3), (second, TODAY - DAY, "Overcast", 1)])
    with app.app_context():
        everything = reports.episode_report(db.session, show_id)
        since = reports.episode_report(db.session, show_id, since=TODAY - DAY)
    assert [(row.title, row.downloads, row.apps) for row in everything] == [
        ("Episode 3", 0, ()), ("Episode 2", 1, (("Overcast", 1),)),
        ("Episode 1", 105, (("Overcast", 102), ("Spotify", 3)))]
    assert [row.downloads for row in since] == [0, 1, 5]
