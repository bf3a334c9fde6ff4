"""Error pages: HTML for browsers, with the right status code."""
from __future__ import annotations

import errno
import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..extensions import db

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait when the database cannot be reached (a restart takes a few).
DATABASE_RETRY_AFTER = 30

_MESSAGES = {
    400: "The request could not be understood.",
    401: "You need to log in to see this page.",
    403: "You may not do that.",
    404: "There is nothing at this address.",
    405: "That method is not allowed here.",
    413: "The upload is larger than this site accepts.",
    415: "That file type is not accepted.",
    416: "The requested byte range is not available.",
    429: "Too many requests; please wait a moment.",
    500: "Something went wrong on our side.",
    503: "The site cannot reach its database just now. Please try again in a minute.",
    507: ("The server's disk is full, so the upload could not be saved and nothing of it was kept. "
          "Please tell the site's administrator, then try again."),
}
#: The errors of a filesystem that has no room left (quota included).
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def _render(error: HTTPException):
    code = error.code or 500
    message = _MESSAGES.get(code, error.description)
    if isinstance(error, CSRFError):
        message = "Your form expired or was sent from another site. Please reload the page and try again."
    elif error.description and code not in (404, 500) and not error.description.startswith(
        ("The browser", "The server", "The data value")
    ):
        message = error.description
    return render_template("errors/error.html", code=code, name=error.name, message=message), code


def _database_unavailable(error: SQLAlchemyError):
    """503 with Retry-After while the database is down or restarting.

    The disconnect that brought us here invalidated the whole pool, and a connection idle for a while is
    pinged before use (extensions._ping_after_idle), so the first request after the database is back gets
    a fresh one: the site recovers without a restart.
    """
    logger.warning("The database could not be reached: %s", error)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    try:
        db.session.rollback()  # the failed transaction must not be reused by this session
        page = render_template("errors/error.html", code=503, name="Service Unavailable", message=_MESSAGES[503])
    except SQLAlchemyError:  # a template that reads the database (a logged-in author's user row)
        return _MESSAGES[503] + "\n", 503, {**headers, "Content-Type": "text/plain; charset=utf-8"}
    return page, 503, headers


def _disk_full(error: OSError):
    """507 Insufficient Storage when the media folder's disk fills during an upload.

    Nothing is left behind by then: the request's temporary upload files go at teardown
    (web/uploads.py) and the media transaction discards what it had written (content/media.py).
    Any other OSError is a bug and stays a 500.
    """
    if error.errno not in _DISK_FULL:
        raise error
    logger.error("The disk is full: %s", error)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        logger.exception("Rolling back after a full disk failed")
    return render_template("errors/error.html", code=507, name="Insufficient Storage", message=_MESSAGES[507]), 507


def init_app(app: Flask) -> None:
    """Render every HTTP error with the site's error template, and a lost database as 503."""
    app.register_error_handler(HTTPException, _render)
    # Connection-level failures only: an IntegrityError or a ProgrammingError is a bug, and stays a 500.
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(OSError, _disk_full)
