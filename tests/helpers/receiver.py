"""A local HTTP receiver on 127.0.0.1 that records every request and answers with the statuses it is given.

The ping tests point WebSub hubs, Podcast Index's pubnotify and podping at it and check the exact requests.
"""
from __future__ import annotations

import http.server
import ipaddress
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from podcaster.content.http import FetchPolicy


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Records requests; ``answers`` is a list of statuses used in turn (the last one repeats).

    ``held`` is set when a request has arrived; while ``hold`` is clear, answers wait for it (a client
    caught in the middle of a request, for as long as the test needs, without racing a timer).
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.answers: list[int] = [200]
        self.held, self.hold = threading.Event(), threading.Event()
        self.hold.set()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                receiver.requests.append(Received(self.command, parts.path, parse_qs(parts.query),
                                                  {name.lower(): value for name, value in self.headers.items()},
                                                  body))
                receiver.held.set()
                receiver.hold.wait(timeout=60)
                status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def policy(self) -> FetchPolicy:
        """A fetch policy that lets requests reach this receiver, and nothing else on the machine."""
        port = self.server.server_address[1]
        return FetchPolicy(allow_address=lambda ip, candidate: ip == ipaddress.ip_address("127.0.0.1")
                           and candidate == port)
