"""Visibility rules for posts (and episodes): drafts, scheduled times, the next change."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from podcaster.content.publishing import (
    PublishingError,
    display_status,
    is_visible,
    next_change_time,
    resolve_publication,
    visible_filter,
)
from podcaster.extensions import db
from podcaster.models import Post, Status

NOW = datetime(2026, 3, 1, 12, 0, 0)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    "status, publish_at, visible",
    [
        (Status.DRAFT, None, False),
        (Status.DRAFT, NOW - HOUR, False),
        (Status.SCHEDULED, NOW + HOUR, False),
        (Status.SCHEDULED, NOW - HOUR, True),
        (Status.PUBLISHED, NOW, True),
        (Status.PUBLISHED, NOW + HOUR, False),
        (Status.PUBLISHED, None, False),
    ],
)
def test_is_visible(status, publish_at, visible):
    assert is_visible(status, publish_at, NOW) is visible


def test_display_status():
    assert display_status(Status.SCHEDULED, NOW - HOUR, NOW) == "published"
    assert display_status(Status.SCHEDULED, NOW + HOUR, NOW) == "scheduled"
    assert display_status(Status.PUBLISHED, NOW + HOUR, NOW) == "scheduled"
    assert display_status(Status.DRAFT, NOW - HOUR, NOW) == "draft"


def test_resolve_publication():
    assert resolve_publication("draft", None, NOW) == ("draft", None)
    assert resolve_publication("published", None, NOW) == ("published", NOW)
    assert resolve_publication("published", NOW + HOUR, NOW) == ("scheduled", NOW + HOUR)
    assert resolve_publication("scheduled", NOW - HOUR, NOW) == ("published", NOW - HOUR)
    # A time of exactly now is public now, as is_visible says.
    assert resolve_publication("scheduled", NOW, NOW) == ("published", NOW)
    assert resolve_publication("published", NOW, NOW) == ("published", NOW)
    with pytest.raises(PublishingError) as refused:
        resolve_publication("scheduled", None, NOW)
    assert str(refused.value) == "A scheduled item needs a publication time."
    with pytest.raises(PublishingError) as refused:
        resolve_publication("secret", None, NOW)
    assert str(refused.value) == "Unknown status 'secret'."


def test_filter_and_next_change_match_is_visible(app):
    with app.app_context():
        rows = [
            ("draft", Status.DRAFT, NOW - HOUR),
            ("past", Status.PUBLISHED, NOW - HOUR),
            ("soon", Status.SCHEDULED, NOW + HOUR),
            ("later", Status.SCHEDULED, NOW + 5 * HOUR),
            ("undated", Status.DRAFT, None),
            ("draft-for-soon", Status.DRAFT, NOW + HOUR / 2),  # a draft's time changes nothing
        ]
        for slug, status, when in rows:
            db.session.add(Post(title=slug, slug=slug, status=status.value, publish_at=when))
        db.session.commit()
        # An item is public from the very moment of its time (publish_at == now), in SQL as in Python.
        for moment, expected in [(NOW, {"past"}), (NOW + HOUR, {"past", "soon"}), (NOW + 2 * HOUR, {"past", "soon"})]:
            found = db.session.execute(db.select(Post.slug).where(visible_filter(Post, moment))).scalars()
            assert set(found) == expected
            assert expected == {p.slug for p in db.session.query(Post) if is_visible(p.status, p.publish_at, moment)}
        assert next_change_time(db.session, [Post], NOW) == NOW + HOUR
        assert next_change_time(db.session, [Post], NOW + HOUR) == NOW + 5 * HOUR
        assert next_change_time(db.session, [Post], NOW + 6 * HOUR) is None
