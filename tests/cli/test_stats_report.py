"""``podcaster stats report``: downloads per episode and by app, today's hits rolled up first."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from podcaster.content.analytics.counting import Hit, record_hits
from podcaster.extensions import db

from ..helpers.feeds import set_clock
from ..helpers.listeners import NOW, TODAY, add_downloads, make_listened_show

DAY = timedelta(days=1)


def test_report_prints_each_episode_by_app_with_todays_hits(app, runner, database):
    set_clock(app, NOW)
    show_id, (first, second) = make_listened_show(app, episodes=2)
    add_downloads(app, show_id, [(first, TODAY - 10 * DAY, "Overcast", 5), (first, TODAY - 3 * DAY, "Castro", 1)])
    with app.app_context():  # two listeners today, not rolled up yet: the command does it
        record_hits(db.session, [Hit(at=NOW, day=TODAY, show_id=show_id, episode_id=second, listener=f"l{n}",
                                     app="Spotify", platform="", country="", bytes=10_000, bot=False)
                                 for n in range(2)])
        db.session.commit()

    result = runner.invoke(args=["stats", "report", "heard-show"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Heard Show (heard-show): 8 downloads"
    assert "Episode 2  (Spotify 2)" in lines[1] and "       2  " in lines[1]
    assert "Episode 1  (Overcast 5, Castro 1)" in lines[2]

    since = runner.invoke(args=["stats", "report", "--since", (TODAY - 5 * DAY).isoformat(), "--csv"])
    assert since.exit_code == 0, since.output
    assert list(csv.reader(io.StringIO(since.output))) == [
        ["show", "episode", "released", "app", "downloads"],
        ["heard-show", "Episode 2", (NOW - DAY).date().isoformat(), "All apps", "2"],
        ["heard-show", "Episode 2", (NOW - DAY).date().isoformat(), "Spotify", "2"],
        ["heard-show", "Episode 1", (NOW - 11 * DAY).date().isoformat(), "All apps", "1"],
        ["heard-show", "Episode 1", (NOW - 11 * DAY).date().isoformat(), "Castro", "1"],
    ]


def test_report_refuses_an_unknown_show_and_a_bad_date_in_one_line(app, runner, database):
    make_listened_show(app, episodes=1)
    for args, message in ((["nowhere"], "no show with the slug 'nowhere'"),
                          (["--since", "2026-02-30"], "--since '2026-02-30' is not a date")):
        result = runner.invoke(args=["stats", "report", *args])
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.strip().splitlines() == [f"Error: {result.stderr.strip().removeprefix('Error: ')}"]
        assert message in result.stderr and "Traceback" not in result.stderr
