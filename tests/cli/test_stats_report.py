"""``podcaster stats report``: downloads per episode and by app, today's hits rolled up first."""
from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from podcaster.content.analytics.counting import Hit, record_hits, roll_up
from podcaster.extensions import db
from podcaster.models import DailyDownloads

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


def test_a_second_roll_up_waits_for_the_first_one_s_commit(app, runner, database):
    """The periodic job, the post-ingest job and ``stats report`` may roll up together: the second waits
    (it used to hit PostgreSQL's unique index on the day rows the first had not committed yet)."""
    set_clock(app, NOW)
    show_id, (episode,) = make_listened_show(app, episodes=1)
    with app.app_context():
        record_hits(db.session, [Hit(at=NOW, day=TODAY, show_id=show_id, episode_id=episode, listener=f"l{n}",
                                     app="Spotify", platform="", country="", bytes=10_000, bot=False)
                                 for n in range(3)])
        db.session.commit()
        engine = db.engine
    first_wrote, release_first = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def run(hold: bool) -> None:
        with Session(engine) as session:
            if hold:  # the first roll-up has written its rows and waits before its commit
                event.listen(session, "before_commit", lambda _: (first_wrote.set(), release_first.wait(30)))
            try:
                roll_up(session, NOW)
            except Exception as error:  # noqa: BLE001 - the assertion below shows it
                errors.append(error)

    first = threading.Thread(target=run, args=(True,))
    first.start()
    assert first_wrote.wait(30)
    second = threading.Thread(target=run, args=(False,))
    second.start()
    second.join(1)  # gives the second roll-up the time to reach the first one's rows or its lock
    release_first.set()
    first.join(30)
    second.join(30)
    assert not first.is_alive() and not second.is_alive()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.sum(DailyDownloads.downloads))) == 3
    result = runner.invoke(args=["stats", "report", "heard-show"])
    assert result.exit_code == 0 and "3 downloads" in result.output
