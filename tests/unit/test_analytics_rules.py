"""The counting rules as plain functions: which requests count, the one-minute threshold, listener keys,
the user-agent list, countries."""
from __future__ import annotations

import pytest

from podcaster.content.analytics.counting import may_count, threshold_bytes
from podcaster.content.analytics.geo import CountryLookup
from podcaster.content.analytics.salts import listener_key, network_of
from podcaster.content.analytics.user_agents import AgentList, AgentListError, shipped_list

from ..helpers.analytics import ANTENNAPOD, APPLE_PODCASTS, APPLE_WATCH, GOOGLEBOT, OVERCAST
from ..helpers.geoip import country_db


@pytest.mark.parametrize(("method", "byte_range", "status", "counts"), [
    ("GET", None, 200, True),
    ("GET", "bytes=0-", 206, True),
    ("GET", "bytes=1000-1999", 206, True),  # a hit (its bytes), not a download by itself
    ("GET", "bytes=0-1", 206, False),
    ("GET", " BYTES = 0 - 1 ", 206, False),
    ("HEAD", None, 200, False),
    ("POST", None, 200, False),
    ("GET", None, 304, False),
    ("GET", "bytes=99999999-", 416, False),
])
def test_which_requests_are_hits(method, byte_range, status, counts):
    assert may_count(method, byte_range, status) is counts


def test_a_minute_of_audio_or_the_whole_shorter_file():
    # 10 minutes at 128 kbit/s behind a 50,000-byte tag: the tag plus 60 s (960,000 bytes)
    assert threshold_bytes(50_000 + 600 * 16_000, 600.0, 128_000) == 50_000 + 960_000
    assert threshold_bytes(200_000, 24.6, 64_000) == 200_000  # shorter than a minute: all of it
    assert threshold_bytes(10_000_000, None, None) == 960_000  # unknown duration: 128 kbit/s assumed
    assert threshold_bytes(0, None, None) == 0


def test_listener_keys_cut_ipv6_to_64_bits_and_keep_no_address():
    assert network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2:ffff::9") == "2001:db8:1:2::"
    assert network_of("::ffff:198.51.100.7") == "198.51.100.7"
    key = listener_key("salt", "198.51.100.7", OVERCAST)
    assert len(key) == 32 and "198" not in key
    assert key == listener_key("salt", "198.51.100.7", OVERCAST)
    assert key != listener_key("other salt", "198.51.100.7", OVERCAST)
    assert key != listener_key("salt", "198.51.100.7", ANTENNAPOD)
    with pytest.raises(ValueError):
        listener_key("salt", "unknown", OVERCAST)


@pytest.mark.parametrize(("agent", "app", "platform", "excluded"), [
    (APPLE_PODCASTS, "Apple Podcasts", "", False),
    (OVERCAST, "Overcast", "iOS", False),
    (ANTENNAPOD, "AntennaPod", "Android", False),
    ("Spotify/8.8.0 Android/33 (SM-G991B)", "Spotify", "Android", False),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
     "Google Chrome", "Windows", False),
    (GOOGLEBOT, "Googlebot", "", True),
    (APPLE_WATCH, "Apple Podcasts", "watchOS", True),
    ("", "Other", "", False),
])
def test_the_opawg_list_names_apps_platforms_and_bots(agent, app, platform, excluded):
    verdict = shipped_list().classify(agent)
    assert (verdict.app, verdict.platform, verdict.excluded) == (app, platform, excluded)


def test_a_list_of_another_shape_is_refused():
    for data, message in (({"entries": []}, "non-empty JSON array"), ([{"app": "X"}], "entry 1"),
                          ([{"user_agents": ["("]}], "cannot read")):
        with pytest.raises(AgentListError, match=message):
            AgentList(data)


def test_countries_from_a_maxmind_database(tmp_path):
    lookup = CountryLookup(str(country_db(tmp_path / "tiny.mmdb", {"203.0.113.0/24": "NZ", "2001:db8::/32": "FR"})))
    assert [lookup.country(address) for address in ("203.0.113.9", "2001:db8:1::5", "198.51.100.1")] == [
        "NZ", "FR", ""]


def test_a_file_that_is_not_a_maxmind_database_is_a_bad_setting_the_app_starts_without_countries(tmp_path):
    from flask import Flask

    from podcaster.content.analytics.geo import no_country
    from podcaster.web import analytics

    not_a_database = tmp_path / "GeoLite2-Country.mmdb"
    not_a_database.write_bytes(b"not a MaxMind DB, a download page saved by mistake\n" * 50)
    with pytest.raises(ValueError, match="not a MaxMind DB"):
        CountryLookup(str(not_a_database))
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, GEOIP_DB=str(not_a_database))
    analytics.init_app(app)  # maxminddb's InvalidDatabaseError (a RuntimeError) used to stop the app here
    assert app.extensions[analytics.RECORDER_EXTENSION]._country is no_country


def test_no_listener_address_is_kept_in_a_cache(tmp_path):
    """The README's promise: an address is in memory only until its hit is written."""
    lookup = CountryLookup(str(country_db(tmp_path / "tiny.mmdb", {"203.0.113.0/24": "NZ"})))
    assert network_of("203.0.113.9") == "203.0.113.9" and lookup.country("203.0.113.9") == "NZ"
    assert not hasattr(network_of, "cache_info")
    assert not hasattr(lookup.country, "cache_info")
