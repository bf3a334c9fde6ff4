"""Demo content, so a fresh site has something to show."""
from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from .models import Author, User

DEMO_ADMIN_EMAIL = "admin@example.com"


def load_demo(session: Session, media_root: str) -> str:
    """Fill an empty site with demo content.

    Args:
        session: the database session.
        media_root: the media store folder, for demo images and audio.

    Returns:
        A line saying what happened, with the demo admin's credentials.
    """
    if session.query(Author).first() is not None:
        return "The site already has content; demo content not loaded."
    author = Author(
        name="Ada Quill", slug="ada-quill", is_main=True,
        short_bio="Novelist and host of *The Quiet Page*.",
        bio="Ada Quill writes **quiet novels** about loud families.",
    )
    session.add(author)
    login = ""
    if session.query(User).first() is None:
        # A random password, printed once: a demo site must not share a known login.
        password = secrets.token_urlsafe(12)
        user = User(email=DEMO_ADMIN_EMAIL)
        user.set_password(password)
        session.add(user)
        login = f" Admin login: {DEMO_ADMIN_EMAIL} / {password}"
    session.commit()
    return "Demo content loaded." + login
