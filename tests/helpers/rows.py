"""Row counts read in the app's own context."""
from __future__ import annotations

from podcaster.extensions import db


def count(app, model) -> int:
    with app.app_context():
        return db.session.query(model).count()
