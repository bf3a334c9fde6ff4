"""Absolute URLs of the public site, in one place: always from SITE_URL, never from the request.

A request's Host header is whatever the client sent; a page or a feed that built
its links from it would hand a forged host to every reader of a cached copy.
The paths come from the URL map bound without a request, so the same code works
in views, commands and feed builds.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app


def site_url_builder() -> Callable[..., str | None]:
    """A function making absolute public URLs from SITE_URL, usable without a request (CLI, doctor).

    Returns:
        ``build(endpoint, **values)``: the URL, or None when the endpoint does not exist.
    """
    site = current_app.config["SITE_URL"]
    adapter = current_app.url_map.bind("localhost", script_name="/")
    views = current_app.view_functions

    def build(endpoint: str, **values) -> str | None:
        if endpoint not in views:
            return None
        return site + adapter.build(endpoint, values)

    return build


def absolute_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` on the public site (SITE_URL, not the request's host).

    Raises:
        werkzeug.routing.BuildError: no such endpoint, or values missing (as ``url_for``).
    """
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return current_app.config["SITE_URL"] + adapter.build(endpoint, values)
