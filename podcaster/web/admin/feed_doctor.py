"""Admin: feed_doctor."""
from __future__ import annotations

from . import bp  # noqa: F401
