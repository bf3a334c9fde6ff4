"""Logging in and out of the admin."""
from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..models import User, utcnow
from ..models.users import check_password_of
from . import current_time
from .forms import ButtonForm
from .forms.auth import LoginForm
from .security import clear_login_failures, login_blocked_for, record_login_failure

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The account a session or remember cookie names, if its login secret is still current."""
    number, _, secret = user_id.partition(":")
    if not number.isdigit() or not secret:
        return None
    user = db.session.get(User, int(number))
    if user is None or not hmac.compare_digest(user.login_secret.encode(), secret.encode()):
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Follow ``next`` only to a path on this site, never to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        address = request.remote_addr or "unknown"
        now = current_time()
        wait = login_blocked_for(email, address, now)
        if wait is not None:
            minutes = max(1, int(wait.total_seconds() // 60) + 1)
            response = render_template("auth/login.html", form=form, blocked_minutes=minutes)
            return response, 429, {"Retry-After": str(int(wait.total_seconds()) + 1)}
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
        if check_password_of(user, form.password.data):
            clear_login_failures(email)
            session.clear()  # a fresh session at login defeats session fixation
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        record_login_failure(email, address, now)
        db.session.commit()
        flash("Wrong email or password.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (a POST with a CSRF token, so no other site can log you out)."""
    if ButtonForm().validate_on_submit():
        _end_login()
        flash("You are logged out.", "info")
    return redirect(url_for("public.index"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every login of this account, on every device and browser."""
    if ButtonForm().validate_on_submit():
        _end_login()
        flash("You are logged out on every device.", "info")
    return redirect(url_for("public.index"))


def _end_login() -> None:
    """Revoke the account's credentials and forget this browser's.

    The account's login secret changes, so every session and remember cookie
    issued so far stops working wherever it is kept. The session is cleared
    *before* ``logout_user`` because Flask-Login leaves in the session its
    instruction to delete the remember cookie.
    """
    current_user.revoke_logins()
    db.session.commit()
    session.clear()
    logout_user()
