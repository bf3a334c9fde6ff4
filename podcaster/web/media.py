"""Serving stored media files with byte ranges."""
from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.route("/<path:path>")
def serve(path: str):
    """Serve a stored file (replaced by the range-aware implementation)."""
    abort(404)
