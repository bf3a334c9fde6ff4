"""The one way the server fetches a URL for the author (feed import, the feed doctor, artwork and audio).

Every such request goes to an address an outsider chose, so it must not reach
inside the server's network (SSRF): only http and https; the host name is
resolved once and the connection is made to the address that was checked (a
second lookup could answer differently: DNS rebinding); loopback, private,
link-local, unique-local, multicast, unspecified and reserved addresses are
refused, on every redirect hop, which this module follows itself; sizes and
times are capped. Every refusal and every connection failure gives the same
plain message, so the answers cannot be used to map which internal ports are
open.

The standard library's ``http.client`` is used rather than urllib (which
resolves the name again when it connects and follows redirects on its own) or
a third-party client (none is a dependency): a connection subclass connects to
the pinned address while the request keeps the original Host header and, for
https, the original name for SNI and certificate checks.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Decides whether a resolved address (and port) may be connected to.
AddressCheck = Callable[[IPAddress, int], bool]

MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10.0
TOTAL_TIMEOUT = 60.0
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, not global
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """A URL could not be fetched; the message says why, in plain words for the author."""


class FetchRefused(FetchError):
    """The address is not allowed, or it did not answer: deliberately one message for both."""


class FetchHTTPError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class FetchTooLarge(FetchError):
    """The body is larger than the limit."""


def _refused(url: str) -> FetchRefused:
    return FetchRefused(f"could not fetch {url}: the address is not allowed or did not answer")


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries and may be routed to (6to4, Teredo, NAT64)."""
    if ip.version != 6:
        return []
    found = []
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public_address(ip: IPAddress) -> bool:
    """Whether ``ip`` is a global unicast address (the only kind fetched by default).

    IPv4-mapped IPv6 addresses (``::ffff:127.0.0.1``) are judged by the IPv4
    address they stand for, and 6to4, Teredo and NAT64 addresses also by the
    IPv4 address they carry.
    """
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return is_public_address(ip.ipv4_mapped)
    if not all(is_public_address(inner) for inner in _embedded_ipv4(ip)):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip.is_loopback
                                 or ip.is_link_local or ip.is_private)


def is_private_or_public_address(ip: IPAddress) -> bool:
    """Whether ``ip`` may be fetched when private addresses are allowed.

    Loopback, private (RFC 1918), unique-local and shared (CGNAT) addresses are
    then allowed, for an author moving from a server on their own network.
    Link-local stays refused (it holds cloud metadata services, never a feed),
    as do multicast, unspecified and reserved addresses.
    """
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return is_private_or_public_address(ip.ipv4_mapped)
    if not all(is_private_or_public_address(inner) for inner in _embedded_ipv4(ip)):
        return False
    if ip.is_loopback:
        return True
    return not (ip.is_multicast or ip.is_unspecified or ip.is_link_local or ip.is_reserved)


@dataclass(frozen=True)
class FetchPolicy:
    """Which addresses may be fetched and how much time each fetch gets.

    Attributes:
        allow_private: also allow loopback and private addresses (the ``FETCH_ALLOW_PRIVATE`` setting).
        allow_address: decides per address and port instead of ``allow_private`` (tests allow one server).
        max_redirects: redirects followed before giving up.
        connect_timeout: seconds for the connection, and for each read to bring something.
        total_timeout: seconds for the whole fetch, redirects and body included.
        user_agent: the User-Agent header.
        ssl_context: verifies https servers; the system's certificate authorities by default.
    """

    allow_private: bool = False
    allow_address: AddressCheck | None = None
    max_redirects: int = MAX_REDIRECTS
    connect_timeout: float = CONNECT_TIMEOUT
    total_timeout: float = TOTAL_TIMEOUT
    user_agent: str = "Podcaster (+feed import and feed doctor)"
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FetchPolicy:
        """The policy the site's settings ask for (``FETCH_ALLOW_PRIVATE`` decides about private addresses)."""
        return cls(allow_private=bool(settings.get("FETCH_ALLOW_PRIVATE", False)))

    def allows(self, ip: IPAddress, port: int) -> bool:
        """Whether a connection to ``ip`` on ``port`` is allowed."""
        if self.allow_address is not None:
            return self.allow_address(ip, port)
        return is_private_or_public_address(ip) if self.allow_private else is_public_address(ip)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand; the Host header keeps the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = self.pinned_sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to an address checked beforehand; SNI and the certificate check use the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float,
                 context: ssl.SSLContext | None = None) -> None:
        super().__init__(host, port, timeout=timeout, context=context or ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self.pinned_sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


class _Watchdog:
    """Shuts a connection's socket when the fetch runs out of time (a slow drip never ends otherwise)."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.connection: http.client.HTTPConnection | None = None
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        # not ``connection.sock``: http.client hands the socket to the response and forgets it
        sock = getattr(self.connection, "pinned_sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


class FetchedBody:
    """The body of a fetched URL, read in chunks; reading past ``max_bytes`` raises at the first byte over.

    Attributes:
        url: the URL asked for.
        final_url: the URL that answered, after redirects.
        headers: the response headers.
        status: the response status.
    """

    def __init__(self, url: str, final_url: str, response: http.client.HTTPResponse,
                 connection: http.client.HTTPConnection, watchdog: _Watchdog, max_bytes: int,
                 total_timeout: float) -> None:
        self.url = url
        self.final_url = final_url
        self.headers = response.headers
        self.status = response.status
        self._response = response
        self._connection = connection
        self._watchdog = watchdog
        self._max_bytes = max_bytes
        self._total_timeout = total_timeout
        self._size = 0
        self._done = False

    def _read1(self, size: int) -> bytes:
        try:
            chunk = self._response.read1(size)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            if self._watchdog.fired:
                raise FetchError(f"could not fetch {self.url}: it took longer than "
                                 f"{self._total_timeout:g} seconds") from exc
            raise FetchError(f"could not fetch {self.url}: the connection broke off") from exc
        if self._watchdog.fired:
            self.close()
            raise FetchError(f"could not fetch {self.url}: it took longer than {self._total_timeout:g} seconds")
        self._size += len(chunk)
        if self._size > self._max_bytes:
            self.close()
            raise FetchTooLarge(f"{self.url} is larger than {self._max_bytes} bytes")
        if not chunk:
            left = self._response.length  # bytes the Content-Length still promised
            self.close()
            if left:
                raise FetchError(f"could not fetch {self.url}: the connection broke off")
        return chunk

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all when negative); fewer only at the end.

        Raises:
            FetchTooLarge: the body goes past the limit.
            FetchError: the time ran out or the connection broke.
        """
        parts: list[bytes] = []
        wanted = size if size is not None and size >= 0 else None
        got = 0
        while not self._done and (wanted is None or got < wanted):
            chunk = self._read1(_CHUNK if wanted is None else min(_CHUNK, wanted - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def close(self) -> None:
        """Stop reading and drop the connection."""
        self._done = True
        self._watchdog.cancel()
        self._connection.close()

    def __enter__(self) -> FetchedBody:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _request_target(parts) -> str:
    # Percent-encode what http.client would refuse (spaces, non-ASCII) and keep what is already encoded.
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return target


def _resolve(url: str, host: str, port: int, policy: FetchPolicy) -> list[str]:
    """The addresses of ``host``, resolved once; refused unless every one is allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise _refused(url) from exc
    addresses: list[str] = []
    for family, _, _, _, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        try:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError as exc:
            raise _refused(url) from exc
        # One refused address refuses the name: a name that answers with both public and private
        # addresses is exactly how a rebinding attack looks.
        if not policy.allows(ip, port):
            raise _refused(url)
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise _refused(url)
    return addresses


def _open_one(url: str, current: str, policy: FetchPolicy, deadline: float, watchdog: _Watchdog,
              method: str = "GET", body: bytes | None = None, headers: Mapping[str, str] | None = None):
    try:
        parts = urlsplit(current)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:  # "http://[::1", a port out of range...
        raise _refused(url) from exc
    if scheme not in ("http", "https"):
        raise FetchRefused(f"could not fetch {url}: only http:// and https:// addresses can be fetched")
    if not host:
        raise _refused(url)
    for address in _resolve(url, host, port, policy):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        timeout = min(policy.connect_timeout, remaining)
        connection = (_PinnedHTTPSConnection(host, port, address, timeout, policy.ssl_context) if scheme == "https"
                      else _PinnedHTTPConnection(host, port, address, timeout))
        watchdog.connection = connection
        try:
            connection.connect()
        except (OSError, ssl.SSLError):
            connection.close()
            continue
        try:
            connection.request(method, _request_target(parts), body=body, headers={
                "User-Agent": policy.user_agent, "Accept": "*/*", "Accept-Encoding": "identity",
                "Connection": "close", **(headers or {})})
            return connection, connection.getresponse()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            connection.close()
            if watchdog.fired:
                raise FetchError(f"could not fetch {url}: it took longer than "
                                 f"{policy.total_timeout:g} seconds") from exc
            raise _refused(url) from exc
    raise _refused(url)


def open_url(url: str, max_bytes: int, policy: FetchPolicy | None = None, *,
             total_timeout: float | None = None, method: str = "GET", body: bytes | None = None,
             headers: Mapping[str, str] | None = None, ok_statuses: frozenset[int] = frozenset({200}),
             ) -> FetchedBody:
    """GET ``url`` under ``policy`` and return its body for reading.

    Args:
        url: an http or https URL.
        max_bytes: the largest body accepted (a larger declared length is refused at once).
        policy: the addresses allowed and the time caps (public addresses only by default).
        total_timeout: seconds for the whole fetch instead of the policy's (large downloads).
        method: the request method (POST for a WebSub publish ping); only GET follows redirects (a
            redirected POST fails: its body is not sent on to an address the first server chose).
        body: the request body.
        headers: more request headers (Content-Type, Authorization).
        ok_statuses: the statuses that count as success (a WebSub hub answers 202 or 204).

    Returns:
        The body, to be read and closed (it is a context manager).

    Raises:
        FetchRefused: a scheme other than http(s), an address not allowed, or no answer.
        FetchHTTPError: an error status.
        FetchTooLarge: a declared length over ``max_bytes``.
        FetchError: too many redirects, or out of time.
    """
    policy = policy or FetchPolicy()
    seconds = total_timeout if total_timeout is not None else policy.total_timeout
    deadline = time.monotonic() + seconds
    watchdog = _Watchdog(seconds)
    current = url.strip()
    try:
        for _ in range(policy.max_redirects + 1):
            connection, response = _open_one(url, current, policy, deadline, watchdog, method, body, headers)
            if response.status in REDIRECT_STATUSES:
                if method != "GET":  # a ping's body is not replayed at an address the first server chose
                    connection.close()
                    raise FetchError(f"could not fetch {url}: {method} answered with a redirect")
                location = (response.getheader("Location") or "").strip()
                connection.close()
                if not location:
                    raise FetchError(f"could not fetch {url}: a redirect without a Location")
                try:
                    current = urljoin(current, location)
                except ValueError as exc:
                    raise _refused(url) from exc
                continue
            if response.status not in ok_statuses:
                connection.close()
                raise FetchHTTPError(f"could not fetch {url}: the server answered HTTP {response.status}",
                                     response.status)
            length = response.getheader("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                connection.close()
                raise FetchTooLarge(f"{url} is {int(length)} bytes, more than the limit of {max_bytes}")
            return FetchedBody(url, current, response, connection, watchdog, max_bytes, seconds)
        raise FetchError(f"could not fetch {url}: more than {policy.max_redirects} redirects")
    except BaseException:
        watchdog.cancel()
        raise


def fetch_bytes(url: str, max_bytes: int, policy: FetchPolicy | None = None, *,
                total_timeout: float | None = None) -> bytes:
    """The whole body of ``url`` (see ``open_url``), at most ``max_bytes``."""
    with open_url(url, max_bytes, policy, total_timeout=total_timeout) as body:
        return body.read()
