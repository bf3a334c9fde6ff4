"""Accounts that may use the admin."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .common import utcnow

#: A hash of no password, checked when the email is unknown so that an unknown
#: account costs the same scrypt work as a wrong password (no account enumeration
#: by timing). Computed on first use, not at import.
_dummy_hash: str | None = None


def new_login_secret() -> str:
    """A fresh random value that every login credential of an account is bound to."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    shown_on_pages = False  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    role: Mapped[str] = mapped_column(String(20), default="owner")  # owner or editor
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of every session and remember cookie (see get_id): changing it revokes
    # every credential issued before, on every device.
    login_secret: Mapped[str] = mapped_column(String(64), default=new_login_secret)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """The identity Flask-Login stores in the session and the remember cookie.

        It carries the account's login secret (Flask-Login's "alternative token"),
        so a cookie stops working as soon as the secret changes.
        """
        if self.login_secret is None:  # a new row not flushed yet
            self.login_secret = new_login_secret()
        return f"{self.id}:{self.login_secret}"

    def revoke_logins(self) -> None:
        """End every session and remember cookie issued for this account so far."""
        self.login_secret = new_login_secret()

    def set_password(self, password: str) -> None:
        """Set a new password; any login made with the old one ends."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.revoke_logins()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


def check_password_of(user: User | None, password: str) -> bool:
    """Check ``password`` against ``user``'s, doing the same work when there is no such user.

    Args:
        user: the account the email names, or None when it names none.
        password: what was typed.

    Returns:
        True only for an existing, active account whose password matches.
    """
    global _dummy_hash
    if user is None:
        if _dummy_hash is None:
            _dummy_hash = generate_password_hash(secrets.token_urlsafe(16), method="scrypt")
        check_password_hash(_dummy_hash, password)
        return False
    return user.check_password(password) and user.active
