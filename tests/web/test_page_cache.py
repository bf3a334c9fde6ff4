"""Public pages served from the rendered-page cache: invalidation, scheduling, validators, privacy."""
from __future__ import annotations

from datetime import timedelta

from podcaster import create_app
from podcaster.extensions import db
from podcaster.models import Show

from ..helpers.feeds import NOW, make_show
from ..helpers.queries import counting_statements
from ..helpers.web import AuthActions, page_text

SHOW_PAGE = "/podcasts/quiet-page"


def test_a_cached_hit_runs_no_page_query_and_may_be_shared(app, client, clock):
    make_show(app)
    first = client.get(SHOW_PAGE)
    assert first.status_code == 200
    with counting_statements(app) as seen:
        again = client.get(SHOW_PAGE)
    assert again.status_code == 200 and again.data == first.data
    assert len(seen) == 1 and "page_cache_state" in seen[0], seen  # the version, nothing else
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"].startswith("public, max-age=")
    assert "Cookie" not in again.headers.get("Vary", "") and "Cookie" not in first.headers.get("Vary", "")
    assert "Set-Cookie" not in again.headers
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_a_matching_etag_gets_304(app, client, clock):
    make_show(app)
    etag = client.get(SHOW_PAGE).headers["ETag"]
    answer = client.get(SHOW_PAGE, headers={"If-None-Match": f"W/{etag}"})
    assert answer.status_code == 304 and answer.data == b""
    assert answer.headers["ETag"] == etag
    assert client.get(SHOW_PAGE, headers={"If-None-Match": '"other"'}).status_code == 200


def test_an_edit_from_another_process_shows_at_once(app, client, clock):
    make_show(app)
    assert "The Quiet Page" in page_text(client.get(SHOW_PAGE))
    # A second app on the same database stands for another worker or app server.
    other = create_app({**{key: app.config[key] for key in ("SECRET_KEY", "DATABASE_URL", "MEDIA_ROOT", "SITE_URL")},
                        "TESTING": True})
    with other.app_context():
        show = db.session.execute(db.select(Show).filter_by(slug="quiet-page")).scalar_one()
        show.title = "The Loud Page"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    changed = client.get(SHOW_PAGE)
    assert "The Loud Page" in page_text(changed) and "The Quiet Page" not in page_text(changed)


def test_a_scheduled_episode_appears_at_its_time(app, client, clock):
    make_show(app, episodes=2, scheduled=1)  # episode 3 is public one day after NOW
    assert "Episode 3" not in page_text(client.get(SHOW_PAGE))
    assert "Episode 3" not in page_text(client.get(SHOW_PAGE))  # served from the cache, still hidden
    clock.now = NOW + timedelta(days=1)
    assert "Episode 3" in page_text(client.get(SHOW_PAGE))


def test_the_author_gets_the_live_page_and_it_is_never_stored(app, client, clock):
    make_show(app)
    auth = AuthActions(client)
    auth.login()
    mine = client.get(SHOW_PAGE)
    assert "Log out" in page_text(mine)
    assert mine.headers["Cache-Control"] == "private, no-store" and "ETag" not in mine.headers
    visitor = app.test_client()
    with counting_statements(app) as seen:
        public = visitor.get(SHOW_PAGE)
    assert len(seen) > 1  # rendered: the author's page was not kept
    assert "Log out" not in page_text(public) and "csrf_token" not in page_text(public)
    assert public.headers["Cache-Control"].startswith("public")
    assert "Log out" in page_text(client.get(SHOW_PAGE))  # a cached copy is never served to the author


def test_a_page_with_a_flashed_message_is_private_and_not_kept(app, client, clock):
    make_show(app)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Only for you")]
    flashed = client.get(SHOW_PAGE)
    assert "Only for you" in page_text(flashed)
    assert flashed.headers["Cache-Control"] == "private, no-store"
    assert "Only for you" not in page_text(app.test_client().get(SHOW_PAGE))


def test_only_plain_and_paged_addresses_are_kept(app, client, clock):
    make_show(app)
    for address, kept in ((SHOW_PAGE + "?utm_source=x", False), (SHOW_PAGE + "?page=1", True)):
        client.get(address)
        with counting_statements(app) as seen:
            assert client.get(address).status_code == 200
        assert (len(seen) == 1) == kept, (address, seen)
