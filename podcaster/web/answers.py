"""One answer, two ways out: as a Flask response, or straight to the WSGI server (``web/fast.py``).

Feeds, media and cached pages compute their answer once, as ``(status, headers, body)`` from the
WSGI environ (``feeds.feed_answer``, ``media.media_answer``, ``pages.page_answer``); these two
functions are the only places that turn such an answer into bytes on the wire, so the lean path and
Flask's cannot differ in what they send.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Response
from werkzeug.http import HTTP_STATUS_CODES, remove_entity_headers
from werkzeug.wsgi import wrap_file

#: Read size when the server iterates a file instead of using sendfile.
BLOCK_SIZE = 256 * 1024

Answer = tuple[int, list[tuple[str, str]], object]  # body: bytes, or a file-like object with fileno()


def _body_of(environ: Mapping, body) -> Iterable[bytes]:
    if isinstance(body, bytes):
        return [body]
    # The server's wsgi.file_wrapper (gunicorn: sendfile() of Content-Length bytes), else a bounded read loop.
    return wrap_file(environ, body, BLOCK_SIZE)


def to_response(answer: Answer, environ: Mapping) -> Response:
    """The answer as a Flask response, with exactly the answer's headers (Flask adds its own hooks' later)."""
    status, headers, body = answer
    if isinstance(body, bytes):
        response = Response(body, status=status, headers=headers)
    else:
        response = Response(_body_of(environ, body), status=status, headers=headers, direct_passthrough=True)
    # Werkzeug fills in a default Content-Type and a Content-Length of the body it was given (0 for a HEAD's
    # empty body); the answer's own values stand.
    given = {name.lower(): value for name, value in headers}
    for name in ("Content-Type", "Content-Length"):
        if name.lower() in given:
            response.headers[name] = given[name.lower()]
        else:
            response.headers.pop(name, None)
    return response


def send(answer: Answer, environ: Mapping, start_response) -> Iterable[bytes]:
    """Send the answer straight through the WSGI server, with the security headers already in it."""
    status, headers, body = answer
    if status == 304:  # as Werkzeug does for Flask's responses (Last-Modified, Content-Type... go)
        headers = list(headers)
        remove_entity_headers(headers)
    start_response(f"{status} {HTTP_STATUS_CODES.get(status, '')}", headers)
    return _body_of(environ, body)
