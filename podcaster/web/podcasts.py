"""Public show and episode pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("podcasts", __name__, url_prefix="/podcasts")
