"""Every login credential can be revoked: logout, log out everywhere, a password reset."""
from __future__ import annotations

from datetime import timedelta

import pytest
import werkzeug.security

from podcaster.extensions import db
from podcaster.models import User, users

from ..helpers.web import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token


def _login(client, remember: bool = False):
    data = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": csrf_token(client, "/login")}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _post_button(client, url: str):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/")})


def _is_in(client) -> bool:
    status = client.get("/admin/").status_code
    assert status in (200, 302)
    return status == 200


def _with_cookie(app, name: str, value: str):
    """A new browser holding only one captured cookie."""
    other = app.test_client()
    other.set_cookie(name, value, domain="localhost")
    return other


def test_logout_ends_a_remembered_login(app, client):
    _login(client, remember=True)
    assert client.get_cookie("remember_token") is not None
    response = _post_button(client, "/logout")
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is None, "logout must delete the remember cookie"
    assert not _is_in(client)


def test_a_remember_cookie_captured_before_logout_no_longer_works(app, client):
    _login(client, remember=True)
    captured = client.get_cookie("remember_token").value
    assert _is_in(_with_cookie(app, "remember_token", captured)), "the captured cookie works before logout"
    _post_button(client, "/logout")
    assert not _is_in(_with_cookie(app, "remember_token", captured))


def test_a_session_cookie_captured_before_logout_no_longer_works(app, client):
    _login(client)
    captured = client.get_cookie("session").value
    _post_button(client, "/logout")
    assert not _is_in(_with_cookie(app, "session", captured))


def test_each_login_after_a_logout_gets_a_new_remember_token(app, client):
    _login(client, remember=True)
    first = client.get_cookie("remember_token").value
    _post_button(client, "/logout")
    _login(client, remember=True)
    assert client.get_cookie("remember_token").value != first


def test_a_password_reset_ends_every_login(app, client, runner):
    _login(client, remember=True)
    remembered = client.get_cookie("remember_token").value
    result = runner.invoke(args=["create-admin", ADMIN_EMAIL, "--password-stdin"], input="a new long password\n")
    assert result.exit_code == 0, result.output
    assert not _is_in(client)
    assert not _is_in(_with_cookie(app, "remember_token", remembered))


def test_log_out_everywhere_ends_the_other_browsers_logins(app, client):
    laptop, phone = client, app.test_client()
    _login(laptop)
    _login(phone, remember=True)
    page = laptop.get("/admin/").get_data(as_text=True)
    assert 'action="/logout/everywhere"' in page and "Log out everywhere" in page
    assert _post_button(laptop, "/logout/everywhere").status_code == 302
    assert not _is_in(laptop)
    assert not _is_in(phone)


def test_log_out_everywhere_needs_the_csrf_token(app, client):
    _login(client)
    assert client.post("/logout/everywhere").status_code == 400
    assert _is_in(client)


def test_a_cookie_naming_the_account_without_its_secret_is_refused(app, client):
    """Cookies made before login secrets existed (or forged with only the id) log nobody in."""
    _login(client)
    with app.app_context():
        user_id = db.session.execute(db.select(User.id)).scalar_one()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
    assert not _is_in(client)


@pytest.fixture
def password_checks(monkeypatch):
    """Record each scrypt check the login makes (the real check still runs)."""
    calls: list[str] = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash.split(":", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(users, "check_password_hash", counting)
    return calls


def test_an_unknown_email_costs_the_same_password_check_as_a_wrong_password(client, password_checks):
    for email in ("nobody@example.com", ADMIN_EMAIL):
        data = {"email": email, "password": "wrong", "csrf_token": csrf_token(client, "/login")}
        assert client.post("/login", data=data).status_code == 401
    assert password_checks == ["scrypt", "scrypt"], "one scrypt check each, known account or not"



def _attempt(client, password: str):
    data = {"email": ADMIN_EMAIL, "password": password, "csrf_token": csrf_token(client, "/login")}
    return client.post("/login", data=data)


def test_a_successful_login_forgets_the_accounts_past_failures(app, client, clock):
    for _ in range(4):
        assert _attempt(client, "wrong").status_code == 401
    assert _attempt(client, ADMIN_PASSWORD).status_code == 302
    _post_button(client, "/logout")
    for _ in range(4):
        assert _attempt(client, "wrong").status_code == 401
    assert _attempt(client, ADMIN_PASSWORD).status_code == 302, "4 new failures are under the limit of 5"


def test_retry_after_counts_from_the_oldest_failure_in_the_window(app, client, clock):
    """Five failures a minute apart: the block ends 15 minutes after the first, not the last."""
    for _ in range(5):
        assert _attempt(client, "wrong").status_code == 401
        clock.now += timedelta(minutes=1)
    blocked = _attempt(client, ADMIN_PASSWORD)
    assert blocked.status_code == 429
    # first failure at 12:00, now 12:05: free again at 12:15, 600 s (+1 for rounding up)
    assert int(blocked.headers["Retry-After"]) == 601
    clock.now += timedelta(minutes=10, seconds=1)
    assert _attempt(client, ADMIN_PASSWORD).status_code == 302
