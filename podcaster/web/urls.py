"""Absolute URLs of the public site, in one place: always from SITE_URL, never from the request.

A request's Host header is whatever the client sent; a page or a feed that built
its links from it would hand a forged host to every reader of a cached copy.
The paths come from the URL map bound without a request, so the same code works
in views, commands and feed builds.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from werkzeug.routing import MapAdapter

#: app.extensions key of the URL map bound without a request (one per app).
ADAPTER_EXTENSION = "podcaster.url_adapter"


def url_adapter(app: Flask) -> MapAdapter:
    """``app``'s URL map bound once, without a request (the host is a placeholder: SITE_URL is prepended).

    The adapter holds no per-request state and rebuilds from the map's rules as they change, so one
    serves every call from every thread.

    Args:
        app: the Flask app whose URL map is bound.

    Returns:
        The adapter, made on the first call and kept in ``app.extensions``.
    """
    adapter = app.extensions.get(ADAPTER_EXTENSION)
    if adapter is None:
        adapter = app.extensions[ADAPTER_EXTENSION] = app.url_map.bind("localhost", script_name="/")
    return adapter


def site_url_builder() -> Callable[..., str | None]:
    """A function making absolute public URLs from SITE_URL, usable without a request (CLI, doctor).

    Returns:
        ``build(endpoint, **values)``: the URL, or None when the endpoint does not exist.
    """
    site = current_app.config["SITE_URL"]
    adapter = url_adapter(current_app)
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
    return current_app.config["SITE_URL"] + url_adapter(current_app).build(endpoint, values)
