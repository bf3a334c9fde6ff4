"""Pings on a feed change: the exact requests WebSub hubs, Podcast Index and podping get, through the safe
fetcher, against a local receiver."""
from __future__ import annotations

import pytest

from podcaster.content.feeds import pings
from podcaster.content.http import FetchError, FetchRefused

FEED = "https://site.example/podcasts/quiet-page/feed.xml"


def settings_for(receiver, **more) -> dict:
    return {"WEBSUB_HUBS": f"{receiver.base}/hub-a, {receiver.base}/hub-b",
            "PODCASTINDEX_PUBNOTIFY_URL": f"{receiver.base}/api/1.0/hub/pubnotify",
            "PODPING_URL": f"{receiver.base}/podping/", **more}


def test_each_ping_sends_exactly_the_documented_request(receiver):
    sent = pings.pings_for(FEED, settings_for(receiver, PODPING_TOKEN="secret-token"))
    assert [ping.kind for ping in sent] == ["websub", "websub", "podcastindex", "podping"]
    receiver.answers = [202, 204, 200, 200]
    assert [pings.send(ping, receiver.policy()) for ping in sent] == [202, 204, 200, 200]
    hub_a, hub_b, index, podping = receiver.requests
    for hub, path in ((hub_a, "/hub-a"), (hub_b, "/hub-b")):
        assert (hub.method, hub.path, hub.query) == ("POST", path, {})
        assert hub.headers["content-type"] == "application/x-www-form-urlencoded"
        assert hub.body == b"hub.mode=publish&hub.url=https%3A%2F%2Fsite.example%2Fpodcasts%2Fquiet-page%2Ffeed.xml"
    assert (index.method, index.path, index.query, index.body) == (
        "GET", "/api/1.0/hub/pubnotify", {"url": [FEED]}, b"")
    assert "authorization" not in index.headers
    assert (podping.method, podping.path, podping.query) == ("GET", "/podping/", {"url": [FEED]})
    assert podping.headers["authorization"] == "secret-token"
    assert "secret-token" not in sent[-1].describe()


def test_podping_only_with_a_token_and_pubnotify_can_be_turned_off(receiver):
    assert [ping.kind for ping in pings.pings_for(FEED, settings_for(receiver))] == ["websub", "websub", "podcastindex"]
    assert pings.pings_for(FEED, {"PODCASTINDEX_PUBNOTIFY_URL": "off"}) == []
    assert [ping.url for ping in pings.pings_for(FEED, {})] == [
        "https://api.podcastindex.org/api/1.0/hub/pubnotify?url=https%3A%2F%2Fsite.example%2Fpodcasts%2Fquiet-page"
        "%2Ffeed.xml"]


def test_an_error_status_raises_so_the_job_retries(receiver):
    receiver.answers = [503]
    ping = pings.pings_for(FEED, settings_for(receiver))[0]
    with pytest.raises(FetchError, match="HTTP 503"):
        pings.send(ping, receiver.policy())


def test_pings_go_through_the_safe_fetcher(receiver):
    """Without a policy that allows it, the receiver on 127.0.0.1 is refused and gets nothing."""
    ping = pings.pings_for(FEED, settings_for(receiver))[0]
    with pytest.raises(FetchRefused):
        pings.send(ping)
    assert receiver.requests == []


@pytest.mark.parametrize("feed_url", ["http://127.0.0.1:5000/podcasts/quiet/feed.xml",
                                      "http://localhost:5000/podcasts/quiet/feed.xml",
                                      "http://[::1]/feed.xml", "http://192.168.1.20/feed.xml",
                                      "http://10.0.0.5/feed.xml", "http://169.254.1.1/feed.xml"])
def test_a_feed_only_this_machine_or_its_network_can_read_sends_no_ping(feed_url):
    """The demo site (127.0.0.1:5000) must not ping Podcast Index or hubs that could never fetch it."""
    settings = {"WEBSUB_HUBS": "https://hub.example/", "PODPING_TOKEN": "secret-token"}
    assert pings.pings_for(feed_url, settings) == []
    assert [ping.kind for ping in pings.pings_for("http://8.8.8.8/feed.xml", settings)] == [
        "websub", "podcastindex", "podping"]
