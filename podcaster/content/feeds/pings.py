"""Telling the world a feed changed: WebSub hubs, Podcast Index's pubnotify, and podping.

Each ping is one HTTP request, built here as a value (``Ping``) and sent through the safe fetcher
(``content.http``); the jobs layer sends each as its own job, so a hub that is down is retried without
holding up the others, and an edit never waits for any of them.

- WebSub (W3C): the feed names each hub in ``<atom:link rel="hub">``; a publish ping is a form POST of
  ``hub.mode=publish`` and ``hub.url=<feed>`` to the hub (the convention hubs such as Google's and
  Superfeedr follow; the recommendation leaves publishing to the hub).
- Podcast Index: ``GET <pubnotify>?url=<feed>`` needs no key.
- podping.cloud: ``GET <podping>?url=<feed>`` with the token as ``Authorization``, only when a token is set.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
import ipaddress
from urllib.parse import urlencode, urlsplit

from ..http import FetchPolicy, open_url

PODCASTINDEX_PUBNOTIFY_URL = "https://api.podcastindex.org/api/1.0/hub/pubnotify"
PODPING_URL = "https://podping.cloud/"
#: What a hub or notifier answers with is a short status text; more is not read.
MAX_ANSWER_BYTES = 64 * 1024
#: A ping is small: a server that takes longer is retried later rather than holding a worker.
PING_TIMEOUT = 30.0
#: Statuses that mean "received": WebSub hubs answer 202 or 204, the others 200.
OK_STATUSES = frozenset({200, 201, 202, 204})


@dataclass(frozen=True)
class Ping:
    """One notification request.

    Attributes:
        kind: "websub", "podcastindex" or "podping".
        url: where it goes (query included).
        method: GET or POST.
        body: the form body of a POST.
        headers: extra request headers.
    """

    kind: str
    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """The ping for people (never the token)."""
        return f"{self.kind} {self.method} {self.url.split('?', 1)[0]}"


def websub_hubs(settings: Mapping[str, Any]) -> list[str]:
    """The configured hubs (``WEBSUB_HUBS``: a comma- or space-separated list of URLs)."""
    raw = settings.get("WEBSUB_HUBS") or ""
    if isinstance(raw, (list, tuple)):
        return [str(hub) for hub in raw if hub]
    return [hub for hub in raw.replace(",", " ").split() if hub]


def pings_for(feed_url: str, settings: Mapping[str, Any]) -> list[Ping]:
    """Every ping a change of the feed at ``feed_url`` sends, as the settings ask.

    Args:
        feed_url: the feed's public URL.
        settings: ``WEBSUB_HUBS``, ``PODCASTINDEX_PUBNOTIFY_URL`` (empty or ``off`` turns it off), ``PODPING_TOKEN``
            and ``PODPING_URL``.

    Returns:
        The pings, hubs first; none for a feed only this machine or its network can read (the demo's
        ``http://127.0.0.1:5000``): no hub or directory could fetch it, so each ping would only fail.
    """
    if not _reachable_from_outside(feed_url):
        return []
    pings = [Ping("websub", hub, "POST", urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode(),
                  {"Content-Type": "application/x-www-form-urlencoded"})
             for hub in websub_hubs(settings)]
    pubnotify = settings.get("PODCASTINDEX_PUBNOTIFY_URL", PODCASTINDEX_PUBNOTIFY_URL)
    if pubnotify and pubnotify.lower() != "off":
        pings.append(Ping("podcastindex", _with_query(pubnotify, {"url": feed_url})))
    token = settings.get("PODPING_TOKEN") or ""
    if token:
        pings.append(Ping("podping", _with_query(settings.get("PODPING_URL") or PODPING_URL, {"url": feed_url}),
                          headers={"Authorization": token}))
    return pings


def _reachable_from_outside(feed_url: str) -> bool:
    """False for a feed on ``localhost`` or a loopback, private, link-local or unspecified address."""
    host = (urlsplit(feed_url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: whether it resolves publicly is the hub's business
    return address.is_global


def _with_query(url: str, values: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(values)


def send(ping: Ping, policy: FetchPolicy | None = None) -> int:
    """Send one ping through the safe fetcher.

    Returns:
        The HTTP status of the answer.

    Raises:
        FetchError: the receiver could not be reached, or answered with an error status (the job retries).
    """
    with open_url(ping.url, MAX_ANSWER_BYTES, policy, total_timeout=PING_TIMEOUT, method=ping.method,
                  body=ping.body, headers=ping.headers, ok_statuses=OK_STATUSES) as answer:
        answer.read()
        return answer.status
