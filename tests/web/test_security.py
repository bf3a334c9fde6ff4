"""Security probes: login everywhere it is needed, CSRF on every POST, headers, login throttling."""
from __future__ import annotations

from datetime import timedelta

import pytest

from ..helpers.feeds import NOW, make_posts, make_show, set_clock
from ..helpers.web import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token


def _sample_url(app, rule):
    """Build a URL for ``rule`` with harmless placeholder arguments."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if type(converter).__name__ == "IntegerConverter":
            values[name] = 1
        elif type(converter).__name__ == "AnyConverter":
            values[name] = sorted(converter.items)[0]  # e.g. the table a CSV export names
        else:
            values[name] = "sample"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]


def test_every_admin_route_needs_login(app, client):
    rules = _admin_rules(app)
    assert rules, "the admin has routes"
    token = csrf_token(client, "/login")
    for rule in rules:
        url = _sample_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method != "GET" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
            assert response.headers["Location"].startswith("/login"), f"{method} {url}"


def test_every_post_route_needs_a_csrf_token(app, client, auth):
    auth.login()
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) >= 2
    for rule in posts:
        url = _sample_url(app, rule)
        response = client.post(url, data={"title": "x"})
        assert response.status_code == 400, f"POST {url} without a token answered {response.status_code}"
        assert b"form expired" in response.data


def test_headers_on_every_response(client):
    for url in ("/", "/login", "/no-such-page"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_carry_no_inline_script(client):
    for url in ("/", "/login"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and "javascript:" not in html


def test_session_cookie_flags(app, client):
    response = client.get("/login")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_when_the_site_is_https(tmp_path):
    from podcaster import create_app

    app = create_app({"SECRET_KEY": "k", "SITE_URL": "https://books.example",
                      "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "MEDIA_ROOT": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.test_client().get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_login_renews_the_session(client, auth):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session



def _try(client, email, password):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_failed_logins_are_throttled_per_account(client, clock):
    for _ in range(5):
        assert _try(client, ADMIN_EMAIL, "wrong").status_code == 401
    blocked = _try(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert blocked.status_code == 429
    assert b"Too many failed logins" in blocked.data
    assert int(blocked.headers["Retry-After"]) > 0
    clock.now += timedelta(minutes=16)
    assert _try(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 302


def test_failed_logins_are_throttled_per_address(client, clock):
    for number in range(20):
        assert _try(client, f"guess{number}@example.com", "wrong").status_code == 401
    assert _try(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 429


def test_unknown_and_wrong_password_get_the_same_answer(client):
    unknown = _try(client, "nobody@example.com", "whatever")
    wrong = _try(client, ADMIN_EMAIL, "whatever")
    assert unknown.status_code == wrong.status_code == 401
    assert b"Wrong email or password" in unknown.data and b"Wrong email or password" in wrong.data


PUBLIC_BYTES = (
    "/podcasts/quiet-page/feed.xml", "/blog/feed.xml", "/media/audio/quiet-page/episode-1.mp3",
    "/media/images/cover-feed.jpg", "/media/transcripts/quiet-page/e1.vtt",
)


@pytest.mark.parametrize("logged_in", [False, True], ids=["visitor", "author"])
def test_feeds_and_media_do_not_vary_by_cookie_or_set_one(app, client, auth, logged_in):
    """Listeners share one cached copy: public bytes carry no Vary: Cookie and no Set-Cookie."""
    set_clock(app, NOW)
    make_show(app, episodes=2)
    make_posts(app)
    if logged_in:
        auth.login()
    for url in PUBLIC_BYTES:
        for headers in ({}, {"Range": "bytes=0-9"}, {"Accept-Encoding": "gzip"}, {"If-None-Match": "*"}):
            with client.get(url, headers=headers) as response:
                assert response.status_code == (304 if "If-None-Match" in headers else 206 if "Range" in headers
                                                 and url.startswith("/media/") else 200), (url, headers)
                assert "Cookie" not in response.headers.get("Vary", ""), (url, headers)
                assert "Set-Cookie" not in response.headers, (url, headers)
    page = client.get("/admin/")
    assert "Cookie" in page.headers.get("Vary", "")
