"""The safe fetcher: no request reaches loopback or the private network unless allowed, on any redirect hop."""
from __future__ import annotations

import http.server
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from podcaster.content import http as safe_http
from podcaster.content.http import (FetchError, FetchHTTPError, FetchPolicy, FetchRefused, FetchTooLarge,
                                    fetch_bytes, is_private_or_public_address, is_public_address, open_url)

PLAIN = "the address is not allowed or did not answer"
# The /stall route holds its connection open until a test sets this (or 30 s pass), so a fetch that gives up
# is known to have given up on its own clock, whatever the machine's load.
STALL_RELEASED = threading.Event()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.hits.append(self.path)
        route, _, query = self.path.partition("?")
        if route == "/feed":
            self._send(200, b"<rss/>")
        elif route == "/host":
            self._send(200, self.headers["Host"].encode())
        elif route == "/redirect":
            self.send_response(302)
            self.send_header("Location", query)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "/declared-big":
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
        elif route == "/endless":  # no length: only the byte count can stop it
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
            self.close_connection = True
        elif route == "/short":  # promises more than it sends
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.close_connection = True
        elif route == "/stall":  # one byte, then nothing for a while
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"x")
            self.wfile.flush()
            STALL_RELEASED.wait(30)
        elif route == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        else:
            self._send(404, b"not here")

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def serve():
    """Start HTTP servers on 127.0.0.1 (free ports); each records the paths it was asked for."""
    servers = []

    def start():
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.hits = []
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def only(port: int) -> FetchPolicy:
    """A policy that allows exactly 127.0.0.1 on ``port``."""
    return FetchPolicy(allow_address=lambda ip, p: ip == ipaddress.ip_address("127.0.0.1") and p == port)


LOOPBACK_FORMS = ["127.0.0.1", "localhost", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "0.0.0.0",
                  "[::1]", "[::ffff:127.0.0.1]", "[::]"]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_loopback_in_every_spelling_is_refused_by_default(serve, host):
    server = serve()
    url = f"http://{host}:{server.server_port}/feed"
    with pytest.raises(FetchRefused) as refused:
        fetch_bytes(url, 1000)
    assert str(refused.value) == f"could not fetch {url}: {PLAIN}"
    assert server.hits == []


def test_refused_closed_and_open_ports_cannot_be_told_apart(serve):
    server = serve()
    closed = _closed_port()
    messages = set()
    for policy in (FetchPolicy(), FetchPolicy(allow_private=True)):
        for port in (server.server_port, closed):
            if policy.allow_private and port == server.server_port:
                continue  # allowed and open: it answers
            with pytest.raises(FetchRefused) as refused:
                fetch_bytes(f"http://127.0.0.1:{port}/feed", 1000, policy)
            messages.add(str(refused.value).replace(str(port), "PORT"))
    assert messages == {f"could not fetch http://127.0.0.1:PORT/feed: {PLAIN}"}
    assert "refused" not in messages.pop().lower().replace("not allowed", "")


def test_an_unknown_name_gives_the_same_message():
    with pytest.raises(FetchRefused, match=PLAIN):
        fetch_bytes("http://no-such-host.invalid/feed", 1000)


def test_allow_private_fetches_from_this_machine(serve):
    server = serve()
    assert fetch_bytes(f"http://127.0.0.1:{server.server_port}/feed", 1000,
                       FetchPolicy(allow_private=True)) == b"<rss/>"


def test_the_host_header_keeps_the_name_while_the_connection_uses_the_checked_address(serve):
    server = serve()
    url = f"http://localhost:{server.server_port}/host"
    assert fetch_bytes(url, 1000, FetchPolicy(allow_private=True)) == f"localhost:{server.server_port}".encode()


def test_the_name_is_resolved_once_and_that_address_is_used(serve, monkeypatch):
    """DNS rebinding: a name that answers a checked address first and another one later."""
    server = serve()
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, *args, **kwargs):
        if host == "rebind.test":
            lookups.append(host)
            # first answer: the allowed test server; any later answer: an address nobody may reach
            host = "127.0.0.1" if len(lookups) == 1 else "10.255.255.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    body = fetch_bytes(f"http://rebind.test:{server.server_port}/host", 1000, only(server.server_port))
    assert body == f"rebind.test:{server.server_port}".encode()
    assert lookups == ["rebind.test"]


def test_a_redirect_to_another_loopback_port_is_refused(serve):
    allowed, inner = serve(), serve()
    url = f"http://127.0.0.1:{allowed.server_port}/redirect?http://127.0.0.1:{inner.server_port}/feed"
    with pytest.raises(FetchRefused, match=PLAIN):
        fetch_bytes(url, 1000, only(allowed.server_port))
    assert allowed.hits and inner.hits == []


@pytest.mark.parametrize("target", ["http://localhost:{port}/feed", "http://2130706433:{port}/feed",
                                    "http://[::1]:{port}/feed"])
def test_a_redirect_from_an_allowed_address_to_loopback_is_refused_by_default(serve, target):
    allowed, inner = serve(), serve()

    def public_or_first(ip, port):
        return is_public_address(ip) or (str(ip) == "127.0.0.1" and port == allowed.server_port)

    url = f"http://127.0.0.1:{allowed.server_port}/redirect?" + target.format(port=inner.server_port)
    with pytest.raises(FetchRefused, match=PLAIN):
        fetch_bytes(url, 1000, FetchPolicy(allow_address=public_or_first))
    assert inner.hits == []


def test_redirects_are_followed_to_a_cap(serve):
    server = serve()
    policy = only(server.server_port)
    base = f"http://127.0.0.1:{server.server_port}"
    with open_url(f"{base}/redirect?/feed", 1000, policy) as body:
        assert body.read() == b"<rss/>" and body.final_url == f"{base}/feed"
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_bytes(f"{base}/loop", 1000, policy)
    assert server.hits.count("/loop") == 6


@pytest.mark.parametrize("url", ["ftp://example.com/feed.xml", "file:///etc/passwd", "javascript:alert(1)",
                                 "gopher://127.0.0.1:70/"])
def test_only_http_and_https(url):
    with pytest.raises(FetchRefused, match="only http:// and https://"):
        fetch_bytes(url, 1000, FetchPolicy(allow_private=True))


@pytest.mark.parametrize("url", ["http://[::1/feed", "http://example.com:99999/feed", "http:///feed", "http://"])
def test_malformed_urls_are_refused_plainly(url):
    with pytest.raises(FetchRefused, match=PLAIN):
        fetch_bytes(url, 1000)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "http://[::1/broken"])
def test_a_redirect_to_a_file_or_broken_url_is_refused(serve, target):
    server = serve()
    with pytest.raises(FetchRefused):
        fetch_bytes(f"http://127.0.0.1:{server.server_port}/redirect?{target}", 1000, only(server.server_port))


def test_size_is_capped_by_the_declared_length_and_while_streaming(serve):
    server = serve()
    base = f"http://127.0.0.1:{server.server_port}"
    with pytest.raises(FetchTooLarge, match="1000000000 bytes"):
        fetch_bytes(f"{base}/declared-big", 1000, only(server.server_port))
    with open_url(f"{base}/endless", 100_000, only(server.server_port)) as body:
        with pytest.raises(FetchTooLarge, match="larger than 100000 bytes"):
            while body.read(4096):
                pass
        assert body._size <= 100_000 + 65536


def test_the_whole_fetch_is_capped_in_time(serve):
    server = serve()
    # The drip takes at least 10 s and no single read waits long, so only the total cap can end it this way.
    with pytest.raises(FetchError, match="took longer than 1 seconds"):
        fetch_bytes(f"http://127.0.0.1:{server.server_port}/drip", 10_000,
                    FetchPolicy(allow_address=lambda ip, port: True, total_timeout=1))


def test_a_body_shorter_than_its_length_is_an_error(serve):
    server = serve()
    with pytest.raises(FetchError, match="the connection broke off"):
        fetch_bytes(f"http://127.0.0.1:{server.server_port}/short", 10_000, only(server.server_port))


@pytest.fixture
def https_server(tmp_path):
    """An HTTPS server on 127.0.0.1 with a certificate for the name ``localhost``, and a context trusting it."""
    if shutil.which("openssl") is None:
        pytest.skip("the https test makes its certificate with openssl (apt-get install openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.hits = []
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(cert, key)
    server.socket = serving.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    trusting = ssl.create_default_context(cafile=str(cert))
    yield server, trusting
    server.shutdown()
    server.server_close()


def test_https_checks_the_certificate_against_the_name_while_connecting_to_the_checked_address(https_server):
    server, trusting = https_server
    policy = FetchPolicy(allow_private=True, ssl_context=trusting)
    port = server.server_port
    assert fetch_bytes(f"https://localhost:{port}/host", 1000, policy) == f"localhost:{port}".encode()
    # the same server by its address: the certificate names localhost, not 127.0.0.1
    with pytest.raises(FetchRefused, match=PLAIN):
        fetch_bytes(f"https://127.0.0.1:{port}/host", 1000, policy)
    with pytest.raises(FetchRefused, match=PLAIN):  # and loopback stays refused by default
        fetch_bytes(f"https://localhost:{port}/host", 1000, FetchPolicy(ssl_context=trusting))
    assert server.hits == ["/host"]


def test_a_stalled_body_is_cut_off_at_the_total_time(serve):
    server = serve()
    STALL_RELEASED.clear()
    try:
        # The server never sends the rest while this runs: only the total time can end the fetch.
        with pytest.raises(FetchError, match="took longer than 1 seconds"):
            fetch_bytes(f"http://127.0.0.1:{server.server_port}/stall", 10_000,
                        FetchPolicy(allow_address=lambda ip, port: True, connect_timeout=10, total_timeout=1))
    finally:
        STALL_RELEASED.set()


def test_an_error_status_is_reported(serve):
    server = serve()
    with pytest.raises(FetchHTTPError, match="HTTP 404") as error:
        fetch_bytes(f"http://127.0.0.1:{server.server_port}/nothing", 1000, only(server.server_port))
    assert error.value.status == 404


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "224.0.0.1", "239.255.255.250", "0.0.0.0", "240.0.0.1",
                                     "255.255.255.255", "192.0.2.1", "::1", "::", "fe80::1", "fc00::1",
                                     "fd12:3456::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
                                     "2002:7f00:1::1", "64:ff9b::a00:1", "2001:db8::1", "::127.0.0.1"])
def test_addresses_outside_the_internet_are_not_public(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"])
def test_internet_addresses_are_public(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(("address", "allowed"), [
    ("127.0.0.1", True), ("10.0.0.1", True), ("192.168.1.1", True), ("fd12::1", True), ("::1", True),
    ("100.64.0.1", True), ("::ffff:192.168.1.1", True), ("1.1.1.1", True),
    ("169.254.169.254", False), ("fe80::1", False), ("224.0.0.1", False), ("ff02::1", False),
    ("0.0.0.0", False), ("::", False), ("240.0.0.1", False), ("::ffff:169.254.169.254", False),
])
def test_what_allow_private_allows(address, allowed):
    assert is_private_or_public_address(ipaddress.ip_address(address)) is allowed


def test_the_module_has_no_flask_imports():
    import inspect

    assert "flask" not in inspect.getsource(safe_http)


def test_private_addresses_are_refused_unless_the_setting_says_otherwise(tmp_path):
    from podcaster import create_app
    from podcaster.config import Config, from_environment
    from podcaster.web import fetch_policy

    assert Config.FETCH_ALLOW_PRIVATE is False
    assert from_environment({"PODCASTER_FETCH_ALLOW_PRIVATE": "true"}) == {"FETCH_ALLOW_PRIVATE": True}
    for setting in (False, True):
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "MEDIA_ROOT": str(tmp_path / "media"),
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "FETCH_ALLOW_PRIVATE": setting})
        with app.app_context():
            assert fetch_policy().allows(ipaddress.ip_address("10.0.0.1"), 80) is setting
