"""A session interface that keeps ``Vary: Cookie`` off responses that never depend on the visitor.

Flask adds ``Vary: Cookie`` whenever the session was read, and Flask-Login reads it
after every request (to refresh the remember cookie). For feeds and media that
header would stop shared caches (a CDN, nginx's proxy cache) from sharing one copy
among listeners, though the bytes are the same for everyone.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface

#: Endpoints whose responses are the same whoever asks.
PUBLIC_ENDPOINTS = frozenset({"feeds.podcast", "feeds.blog", "media.serve", "embed.player", "embed.oembed"})
#: Endpoints that never set a cookie, whatever happened to the session: the player other sites embed
#: (a visitor of their page must not be handed our cookie) and its oEmbed description.
COOKIE_FREE_ENDPOINTS = frozenset({"embed.player", "embed.oembed"})


class PublicAwareSessionInterface(SecureCookieSessionInterface):
    def save_session(self, app, session, response) -> None:
        if request.endpoint in COOKIE_FREE_ENDPOINTS:
            return
        shared = request.endpoint in PUBLIC_ENDPOINTS or g.get("shared_page", False)  # web/pages.py
        if shared and not session.modified:
            return  # nothing to write and nothing the response depends on
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = PublicAwareSessionInterface()
