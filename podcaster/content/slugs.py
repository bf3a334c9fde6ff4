"""URL slugs: made from titles, unique per table (``-2``, ``-3`` appended on a clash)."""
from __future__ import annotations

import re

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import Session

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 200


def make_slug(text: str, fallback: str = "item") -> str:
    """A lowercase ASCII slug for ``text`` (accents transliterated), or ``fallback`` when nothing is left."""
    return slugify(text or "", max_length=MAX_SLUG_LENGTH - 4, word_boundary=True) or fallback


def slug_taken(session: Session, model, slug: str, exclude_id: int | None = None) -> bool:
    """Whether another row of ``model`` already uses ``slug``."""
    query = select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return session.execute(query.limit(1)).first() is not None


def unique_slug(session: Session, model, text: str, exclude_id: int | None = None,
                fallback: str = "item") -> str:
    """A slug for ``text`` that no other row of ``model`` uses.

    Args:
        session: the database session.
        model: a mapped class with ``id`` and a unique ``slug``.
        text: the title to make the slug from.
        exclude_id: the row being edited (its own slug does not count as taken).
        fallback: the slug when ``text`` has no usable characters.

    Returns:
        ``base``, or ``base-2``, ``base-3``... whichever is free first.
    """
    base = make_slug(text, fallback)
    candidate, number = base, 1
    while slug_taken(session, model, candidate, exclude_id):
        number += 1
        candidate = f"{base}-{number}"
    return candidate
