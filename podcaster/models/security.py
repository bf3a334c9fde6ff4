"""Failed login attempts, kept in the database so every worker sees them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import utcnow


class LoginFailure(db.Model):
    __tablename__ = "login_failure"
    shown_on_pages = False  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
