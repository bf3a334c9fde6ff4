"""Error pages: HTML for browsers, with the right status code."""
from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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
}


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


def init_app(app: Flask) -> None:
    """Render every HTTP error with the site's error template."""
    app.register_error_handler(HTTPException, _render)
