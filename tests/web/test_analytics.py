"""Listener statistics through the media routes: the IAB v2.2 rules, Castopod's three bugs, privacy, the redirect."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text
from werkzeug.test import Client
from werkzeug.wrappers import Response

from podcaster.content.analytics.counting import roll_up
from podcaster.content.analytics.geo import CountryLookup
from podcaster.content.analytics.recorder import HitRecorder
from podcaster.content.analytics.user_agents import shipped_list
from podcaster.content.podcasts import delete_episode
from podcaster.extensions import db
from podcaster.models import DailyDownloads, DownloadHit, Episode, ListenerDownload, ListenerSalt, MediaFile
from podcaster.web.analytics import RECORDER_EXTENSION

from ..helpers.analytics import (ANTENNAPOD, APPLE_PODCASTS, APPLE_WATCH, GOOGLEBOT, OVERCAST, audio_url, fetch,
                                 lengthen, rolled_up, write_hits)
from ..helpers.feeds import NOW, make_show
from ..helpers.geoip import country_db

LATE = datetime(2026, 6, 1, 23, 59, 59)
EARLY = datetime(2026, 6, 2, 0, 0, 1)
SHORT_SIZE = 197275  # tests/data/cbr.mp3: 24.6 s, so a download is the whole file
A, B, V6_A, V6_A2, V6_B = "198.51.100.7", "198.51.100.8", "2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:3::1"

# (name, long file?, requests as (address, user agent, Range, method, time), downloads expected)
IAB_CASES = [
    ("a short file fetched whole counts", False, [(A, OVERCAST, None, "GET", NOW)], 1),
    ("a short file half fetched does not", False, [(A, OVERCAST, "bytes=0-99999", "GET", NOW)], 0),
    ("ranges summed reach a minute", True,
     [(A, OVERCAST, "bytes=0-199999", "GET", NOW), (A, OVERCAST, "bytes=200000-399999", "GET", NOW),
      (A, OVERCAST, "bytes=400000-599999", "GET", NOW)], 1),
    ("ranges summed short of a minute", True,
     [(A, OVERCAST, "bytes=0-199999", "GET", NOW), (A, OVERCAST, "bytes=200000-399999", "GET", NOW)], 0),
    ("the 0-1 probe never counts", False, [(A, APPLE_PODCASTS, "bytes=0-1", "GET", NOW)] * 3, 0),
    ("HEAD never counts", False, [(A, APPLE_PODCASTS, None, "HEAD", NOW)] * 2, 0),
    ("one download per listener per day", False, [(A, OVERCAST, None, "GET", NOW)] * 3, 1),
    ("other user agent, other listener", False, [(A, OVERCAST, None, "GET", NOW), (A, ANTENNAPOD, None, "GET", NOW)], 2),
    ("other address, other listener", False, [(A, OVERCAST, None, "GET", NOW), (B, OVERCAST, None, "GET", NOW)], 2),
    ("IPv6 is cut to its /64", False,
     [(V6_A, OVERCAST, None, "GET", NOW), (V6_A2, OVERCAST, None, "GET", NOW), (V6_B, OVERCAST, None, "GET", NOW)], 2),
    ("a bot never counts", False, [(A, GOOGLEBOT, None, "GET", NOW)], 0),
    ("Apple Watch never counts", False, [(A, APPLE_WATCH, None, "GET", NOW)], 0),
    ("each UTC day counts again", False, [(A, OVERCAST, None, "GET", LATE), (A, OVERCAST, None, "GET", EARLY)], 2),
    # Castopod's analytics_helper.php counted any range other than bytes=0-1 as a whole download.
    ("castopod bug 1: one range is not a whole download", True, [(A, OVERCAST, "bytes=1000-1999", "GET", NOW)], 0),
]


def _episodes(app, show_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Episode.id).where(Episode.show_id == show_id).order_by(Episode.number)))


def test_iab_counting_rules_on_the_lean_path(app, clock):
    """Each case on its own episode, through the media route podcast apps reach (web/fast.py)."""
    episodes = _episodes(app, make_show(app, episodes=len(IAB_CASES)))
    client = app.test_client()
    for (name, long_file, requests, _expected), episode_id in zip(IAB_CASES, episodes):
        if long_file:
            assert lengthen(app, episode_id) > 480_000, name  # 60 s at 64 kbit/s is 480,000 bytes
        for address, agent, byte_range, method, moment in requests:
            clock.now = moment
            fetch(client, audio_url(app, episode_id), address, agent, byte_range, method)
    clock.now = EARLY
    counted = rolled_up(app)
    assert {name: counted.get(episode_id, 0) for (name, *_), episode_id in zip(IAB_CASES, episodes)} == {
        name: expected for name, _long, _requests, expected in IAB_CASES}


def test_castopod_bug_2_a_new_listener_is_new_and_a_returning_one_is_not(app, clock):
    """Castopod inverted its new-listener flag: here the first request makes the listener's row, the next
    ones add to it, and only another listener makes another row."""
    episode_id = _episodes(app, make_show(app, episodes=1))[0]
    client = app.test_client()
    for address in (A, A, B):
        fetch(client, audio_url(app, episode_id), address, OVERCAST)
    assert rolled_up(app) == {episode_id: 2}
    with app.app_context():
        assert sorted(db.session.scalars(select(ListenerDownload.requests))) == [1, 2]


def test_castopod_bug_3_the_bot_flag_is_kept_on_the_hit(app, clock):
    """Castopod set its bot flag on a copy of the hit and stored the original: the verdict is on the row."""
    episode_id = _episodes(app, make_show(app, episodes=1))[0]
    client = app.test_client()
    fetch(client, audio_url(app, episode_id), A, GOOGLEBOT)
    fetch(client, audio_url(app, episode_id), B, ANTENNAPOD)
    assert rolled_up(app) == {episode_id: 1}
    with app.app_context():
        assert sorted((hit.app, hit.bot) for hit in db.session.scalars(select(DownloadHit))) == [
            ("AntennaPod", False), ("Googlebot", True)]
        assert db.session.scalars(select(DailyDownloads.app)).all() == ["AntennaPod"]


def test_flask_view_counts_apps_and_platforms_and_stores_no_address(app, clock):
    """The Flask view (the lean path off) records too; no address reaches any table; app and platform."""
    episode_id = _episodes(app, make_show(app, episodes=1))[0]
    flask_only = Client(app.wsgi_app.fallback, Response)  # behind the lean path: Flask's own media view
    for address, agent in ((A, APPLE_PODCASTS), (V6_A, OVERCAST), (B, ANTENNAPOD)):
        response = flask_only.get(audio_url(app, episode_id), headers={"User-Agent": agent},
                                  environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200
        response.close()
    assert rolled_up(app) == {episode_id: 3}
    with app.app_context():
        assert sorted((row.app, row.platform) for row in db.session.scalars(select(DailyDownloads))) == [
            ("AntennaPod", "Android"), ("Apple Podcasts", ""), ("Overcast", "iOS")]
        for table in ("download_hit", "listener_download", "download_day", "listener_salt"):
            dump = " ".join(str(row) for row in db.session.execute(text(f"SELECT * FROM {table}")))
            for address in (A, B, V6_A, "2001:db8:1:2::"):
                assert address not in dump, table


def test_redirect_to_the_bucket_credits_the_range_asked_or_the_whole_file(app, clock):
    episode_id = _episodes(app, make_show(app, episodes=1))[0]
    app.config.update(S3_BUCKET="listening", S3_ENDPOINT_URL="http://127.0.0.1:9", S3_REGION="us-east-1",
                      S3_ACCESS_KEY_ID="k", S3_SECRET_ACCESS_KEY="s", S3_PUBLIC_BASE_URL="https://cdn.example")
    with app.app_context():
        media = db.session.get(Episode, episode_id).audio
        media.stored_in = "s3"
        db.session.commit()
    client = app.test_client()
    response = fetch(client, audio_url(app, episode_id), A, OVERCAST)
    assert response.status_code == 302 and response.headers["Location"].startswith("https://cdn.example/")
    fetch(client, audio_url(app, episode_id), A, OVERCAST, "bytes=0-1")  # still the probe: not a hit
    fetch(client, audio_url(app, episode_id), B, OVERCAST, method="HEAD")
    # Castopod's bug 1 through the redirect: a range is credited its own length, not the whole file.
    fetch(client, audio_url(app, episode_id), B, ANTENNAPOD, "bytes=1000-1999")
    assert write_hits(app) == 2
    assert rolled_up(app) == {episode_id: 1}
    with app.app_context():
        hits = db.session.scalars(select(DownloadHit).order_by(DownloadHit.bytes)).all()
        assert [(hit.source, hit.bytes) for hit in hits] == [("redirect", 1000), ("redirect", SHORT_SIZE)]


def test_hits_of_an_episode_deleted_before_they_are_written_are_dropped_not_retried_for_ever(app, clock):
    kept, deleted = _episodes(app, make_show(app, episodes=2))
    client = app.test_client()
    for episode_id in (kept, deleted):
        fetch(client, audio_url(app, episode_id), A, OVERCAST)
    with app.app_context():
        delete_episode(db.session, db.session.get(Episode, deleted))
        db.session.commit()
    assert write_hits(app) == 1  # the batch used to fail on the foreign key at every try
    assert write_hits(app) == 0  # nothing left waiting
    with app.app_context():
        assert db.session.scalars(select(DownloadHit.episode_id)).all() == [kept]


def test_roll_up_is_idempotent_forgets_old_hits_and_destroys_past_salts(app, clock, tmp_path):
    episode_id = _episodes(app, make_show(app, episodes=1))[0]
    countries = CountryLookup(str(country_db(tmp_path / "tiny.mmdb", {"198.51.100.0/24": "NZ"})))
    with app.app_context():  # the recorder PODCASTER_GEOIP_DB gives the app (web.analytics.init_app)
        engine = db.engine
    app.extensions[RECORDER_EXTENSION] = HitRecorder(lambda: engine, shipped_list, clock, countries.country,
                                                     background=False)
    client = app.test_client()
    fetch(client, audio_url(app, episode_id), A, OVERCAST)
    assert rolled_up(app) == {episode_id: 1}
    with app.app_context():
        assert db.session.scalar(select(DailyDownloads.country)) == "NZ"
    assert rolled_up(app) == {episode_id: 1}  # again: the same rows
    clock.now = NOW + timedelta(days=31)
    assert rolled_up(app) == {episode_id: 1}  # the aggregate stays
    with app.app_context():
        assert db.session.scalar(select(DownloadHit.id)) is None
        assert db.session.scalar(select(ListenerDownload.id)) is None
        assert db.session.scalars(select(ListenerSalt.day)).all() == []
        assert db.session.scalar(select(MediaFile.id).where(MediaFile.kind == "audio")) is not None
        roll_up(db.session, clock.now)
        assert db.session.scalar(select(DailyDownloads.downloads)) == 1


def test_listener_hits_and_their_roll_up_never_retire_cached_pages(app, clock):
    """Hits are written every few seconds: were they 'shown on pages', no public page would stay cached."""
    from podcaster.content import page_cache

    episode_id = _episodes(app, make_show(app, episodes=1))[0]
    client = app.test_client()
    with app.app_context():
        before = page_cache.current_version(db.session.connection())
    fetch(client, audio_url(app, episode_id), A, OVERCAST, None, "GET")
    assert rolled_up(app) == {episode_id: 1}
    with app.app_context():
        assert db.session.scalar(select(DownloadHit.id)) is not None
        assert page_cache.current_version(db.session.connection()) == before
