"""The version of the public site's rendered pages, shared by every app process through the database."""
from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class PageCacheState(db.Model):
    """One row: ``version`` moves, in the edit's own transaction, whenever anything a public page shows changes.

    Rendered pages are kept in each process's memory tagged with the version they were rendered at
    (``content/page_cache.py``); a page whose tag differs from this row is never served, so an edit saved
    through any worker or app server retires every worker's copies at once.
    """

    __tablename__ = "page_cache_state"
    shown_on_pages = False  # see models.common.SHOWN_ON_PAGES

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<PageCacheState {self.version}>"
