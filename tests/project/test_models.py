"""Every model says whether public pages show its rows (the page cache retires pages on writes of those)."""
from __future__ import annotations

import podcaster.models  # noqa: F401  (every model registered)
from podcaster.extensions import db
from podcaster.models import FeedCache, LoginFailure, Show, User
from podcaster.models.common import SHOWN_ON_PAGES


def test_every_model_is_marked_shown_on_pages_or_not():
    models = [mapper.class_ for mapper in db.Model.registry.mappers]
    assert len(models) >= 17
    unmarked = [model.__name__ for model in models if not isinstance(model.__dict__.get(SHOWN_ON_PAGES), bool)]
    assert unmarked == [], f"set {SHOWN_ON_PAGES} = True or False on: {', '.join(unmarked)}"
    assert Show.shown_on_pages and not FeedCache.shown_on_pages
    assert not User.shown_on_pages and not LoginFailure.shown_on_pages
