"""The admin dashboard shows each show's episodes by status, recent posts and the feed URL."""
from __future__ import annotations

import re
from datetime import timedelta

from podcaster.extensions import db
from podcaster.models import Episode, Post, Show, utcnow


def test_dashboard_counts_episodes_by_status(app, client, auth):
    now = utcnow()
    with app.app_context():
        show = Show(title="Ink & Air", slug="ink")
        db.session.add_all([
            show,
            Episode(show=show, title="Out now", slug="a", status="published", publish_at=now - timedelta(days=1)),
            Episode(show=show, title="Soon", slug="b", status="scheduled",
                    publish_at=now.replace(microsecond=0) + timedelta(days=2)),
            Episode(show=show, title="Idea", slug="c", status="draft"),
            Episode(show=show, title="Idea 2", slug="d", status="draft"),
            Post(title="Tour dates", slug="tour", status="draft"),
        ])
        db.session.commit()
    auth.login()
    html = client.get("/admin/").get_data(as_text=True)
    assert "Ink &amp; Air" in html
    assert "1 published · 1 scheduled · 2 drafts" in html
    assert f"Scheduled for {(now + timedelta(days=2)).strftime('%Y-%m-%d %H:%M')} UTC" in html
    assert "Tour dates" in html and "(draft)" in html
    assert 'value="http://podcaster.test/podcasts/ink/feed.xml"' in html
    # The button's visible words are its whole accessible name (WCAG 2.5.3), and say what it copies.
    assert re.search(r'<button type="button" data-copy="feed-url-\d+">Copy the feed address</button>', html)


def test_dashboard_invites_the_first_show(client, auth):
    auth.login()
    assert "No show yet." in client.get("/admin/").get_data(as_text=True)


# --- feed health: the figures the doctor stored, never the doctor itself -------------------------------------


def _dashboard_without_the_doctor(client, monkeypatch) -> str:
    """The dashboard's HTML, failing the test if the feed doctor ran while it was built."""
    from podcaster.content.feeds import doctor

    runs = []
    real_check = doctor.check_feed

    def counted(*args, **kwargs):
        runs.append(args)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(doctor, "check_feed", counted)
    response = client.get("/admin/")
    monkeypatch.setattr(doctor, "check_feed", real_check)
    assert response.status_code == 200
    assert runs == []
    return response.get_data(as_text=True)


def _check_now(client, show_id: int):
    from ..helpers.web import post_form

    return post_form(client, f"/admin/feed-doctor/{show_id}/check", {}, form_url="/admin/")


def test_dashboard_never_runs_the_doctor_at_one_or_five_shows(app, client, auth, monkeypatch):
    from ..helpers.feeds import NOW, make_show, set_clock

    set_clock(app, NOW)
    ids = [make_show(app, episodes=2, owner_email="")]
    auth.login()
    html = _dashboard_without_the_doctor(client, monkeypatch)
    assert "Feed health: not checked yet." in html and "Check the feed now" in html
    assert _check_now(client, ids[0]).status_code == 302
    assert "Feed health: 1 error," in _dashboard_without_the_doctor(client, monkeypatch)
    with app.app_context():
        for index in range(2, 6):
            show = Show(title=f"Show {index}", slug=f"show-{index}", description="A show.", language="en",
                        author_name="Ada Quill", owner_name="Ada Quill", owner_email="ada@example.com")
            db.session.add(show)
            db.session.flush()
            ids.append(show.id)
        db.session.commit()
    for show_id in ids[1:]:
        assert _check_now(client, show_id).status_code == 302
    html = _dashboard_without_the_doctor(client, monkeypatch)
    assert html.count("Feed health: ") == 5 and "not checked" not in html
    assert html.count("checked <time datetime=\"2026-06-01T12:00:00Z\">2026-06-01 12:00 UTC</time>") == 5


def test_stored_feed_health_goes_stale_on_an_edit_and_updates_when_checked(app, client, auth, monkeypatch):
    from ..helpers.feeds import NOW, make_show, set_clock

    set_clock(app, NOW)
    show_id = make_show(app, episodes=2, owner_email="")
    auth.login()
    assert client.post(f"/admin/feed-doctor/{show_id}/check").status_code == 400  # no CSRF token
    assert "Feed health: not checked yet." in _dashboard_without_the_doctor(client, monkeypatch)
    assert client.get(f"/admin/feed-doctor/{show_id}").status_code == 200  # a show's report stores its figures
    assert "Feed health: 1 error," in _dashboard_without_the_doctor(client, monkeypatch)

    with app.app_context():
        db.session.get(Show, show_id).owner_email = "ada@example.com"
        db.session.commit()
    html = _dashboard_without_the_doctor(client, monkeypatch)
    assert "Feed health: not checked since the last change." in html and "1 error" not in html
    assert "Check the feed now" in html

    set_clock(app, NOW + timedelta(minutes=5))
    response = _check_now(client, show_id)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/#show-{show_id}")
    html = _dashboard_without_the_doctor(client, monkeypatch)
    assert "Feed health: 0 errors," in html and "2026-06-01 12:05 UTC" in html
    assert "not checked" not in html and "Check the feed now" not in html

    # An episode edit marks it stale too; `podcaster check-feed` refreshes it.
    with app.app_context():
        db.session.execute(db.select(Episode).filter_by(slug="episode-1")).scalar_one().title = "Renamed"
        db.session.commit()
    assert "not checked since the last change" in _dashboard_without_the_doctor(client, monkeypatch)
    result = app.test_cli_runner().invoke(args=["check-feed", "quiet-page"])
    assert result.exit_code == 0, result.output
    assert "Feed health: 0 errors," in _dashboard_without_the_doctor(client, monkeypatch)


def test_feed_health_goes_stale_when_a_scheduled_episode_goes_out(app, client, auth, monkeypatch):
    from ..helpers.feeds import NOW, make_show, set_clock

    set_clock(app, NOW)
    show_id = make_show(app, episodes=1, scheduled=1)
    auth.login()
    assert _check_now(client, show_id).status_code == 302
    assert "Feed health: 0 errors," in _dashboard_without_the_doctor(client, monkeypatch)
    set_clock(app, NOW + timedelta(days=3))  # the scheduled episode is out: the checked feed is no more
    assert "not checked since the last change" in _dashboard_without_the_doctor(client, monkeypatch)


def test_a_deleted_show_leaves_no_feed_health(app, client, auth):
    from podcaster.models import FeedHealth

    from ..helpers.feeds import NOW, make_show, set_clock

    set_clock(app, NOW)
    show_id = make_show(app, episodes=1)
    auth.login()
    assert _check_now(client, show_id).status_code == 302
    with app.app_context():
        assert db.session.get(FeedHealth, show_id).errors == 0
        db.session.delete(db.session.get(Show, show_id))
        db.session.commit()
        assert db.session.execute(db.select(FeedHealth)).first() is None
