"""Response headers and login throttling.

The Content-Security-Policy allows only the site's own scripts and styles (all
JavaScript lives in static files), images from YouTube's thumbnail host and
frames from youtube-nocookie.com for click-to-load video embeds. Pages may not be
framed, except the embeddable player (``FRAMEABLE_ENDPOINTS``), which any site may
put in an iframe.
"""
from __future__ import annotations

import functools
from datetime import timedelta

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ..extensions import db
from ..models import LoginFailure

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https://i.ytimg.com",
    "media-src 'self'",
    "frame-src https://www.youtube-nocookie.com",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

#: Endpoints any site may show in an iframe: the embeddable player only.
FRAMEABLE_ENDPOINTS = frozenset({"embed.player"})
FRAMEABLE_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'",
                                                                    "frame-ancestors *")

#: Failed logins allowed in the window, per account and per client address.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = timedelta(minutes=15)


@functools.cache
def security_headers(site_url: str, frameable: bool = False) -> tuple[tuple[str, str], ...]:
    """The headers every response carries, Flask's and the lean path's (``web/fast.py``) alike.

    Args:
        site_url: the configured SITE_URL (HSTS only for an https site).
        frameable: the response may be shown in any site's iframe (the embeddable player).
    """
    headers = [
        ("Content-Security-Policy", FRAMEABLE_CONTENT_SECURITY_POLICY if frameable else CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if not frameable:  # X-Frame-Options cannot say "anyone"; frame-ancestors * does
        headers.insert(3, ("X-Frame-Options", "DENY"))
    if site_url.startswith("https://"):
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return tuple(headers)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    frameable = request.endpoint in FRAMEABLE_ENDPOINTS
    for name, value in security_headers(current_app.config["SITE_URL"], frameable):
        headers.setdefault(name, value)
    return response


def login_blocked_for(email: str, address: str, now) -> timedelta | None:
    """How long until this account and address may try again, or None when they may now.

    Args:
        email: the normalised account email that was typed.
        address: the client's address.
        now: the current time (naive UTC).
    """
    since = now - FAILURE_WINDOW
    for column, value, limit in (
        (LoginFailure.email, email, MAX_FAILURES_PER_ACCOUNT),
        (LoginFailure.address, address, MAX_FAILURES_PER_ADDRESS),
    ):
        times = db.session.execute(
            db.select(LoginFailure.at).where(column == value, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc()).limit(limit)
        ).scalars().all()
        if len(times) >= limit:
            return times[-1] + FAILURE_WINDOW - now
    return None


def record_login_failure(email: str, address: str, now) -> None:
    """Remember a failed login (the caller commits); old records are pruned here."""
    db.session.execute(db.delete(LoginFailure).where(LoginFailure.at < now - FAILURE_WINDOW))
    db.session.add(LoginFailure(email=email, address=address, at=now))


def clear_login_failures(email: str) -> None:
    """Forget an account's failures after it logs in (the caller commits)."""
    db.session.execute(db.delete(LoginFailure).where(LoginFailure.email == email))


def init_app(app: Flask) -> None:
    """Add security headers to every response; trust proxy headers only when configured."""
    app.after_request(_add_headers)
    if app.config["SITE_URL"].startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
