"""Serving stored media files with byte ranges."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("media", __name__, url_prefix="/media")
