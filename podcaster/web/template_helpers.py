"""Filters and globals the templates use."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from markupsafe import Markup

from ..content.markup import plain_text, render_markdown
from ..content.text import binary_size
from .forms import ButtonForm
from .forms.rows import end_with_one_blank_row
from .site import current_site
from .structured import absolute_url, jsonld, media_url
from .timezones import format_local, site_time_zone, utc_to_local


def format_duration(seconds: float | None) -> str:
    """Show a duration as H:MM:SS or M:SS."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


#: Admin areas in menu order; an area shows once its blueprint view exists.
ADMIN_AREAS = [
    ("admin.authors", "Authors"),
    ("admin.books", "Books"),
    ("admin.shows", "Shows"),
    ("admin.videos", "Videos"),
    ("admin.posts", "Posts"),
    ("admin.feed_doctor", "Feed doctor"),
    ("admin.import_podcast", "Import a podcast"),
    ("admin.listeners", "Listeners"),
    ("admin.jobs", "Jobs"),
    ("admin.site_settings", "Site settings"),
]


def _status_of(item) -> str:
    """draft, scheduled or published, as the public sees the item now."""
    from ..content.publishing import display_status
    from . import current_time

    return display_status(item.status, item.publish_at, current_time())


def format_date(value: date | datetime | None) -> str:
    """A day as "1 November 2026"; a stored (naive UTC) time gives its day in the site's time zone."""
    if isinstance(value, datetime):
        value = utc_to_local(value, site_time_zone())
    return value.strftime("%-d %B %Y") if value else ""


#: A line ending in one of these already reads as the end of a sentence.
_SENTENCE_ENDS = tuple(".!?:;…")


def one_line_plain(text: str | None, limit: int | None = None) -> str:
    """``plain_text`` on one line, for meta descriptions and excerpts in lists (the feeds keep the breaks).

    Paragraphs, headings and list items stay apart when joined: a line that does not end a sentence
    is followed by " · ", so "- one\n- two" reads "one · two", never "one two" or "one.two".
    """
    lines = [" ".join(line.split()) for line in plain_text(text, limit).splitlines()]
    lines = [line for line in lines if line]
    joined = []
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        joined.append(line if last or line.endswith(_SENTENCE_ENDS) else line + " ·")
    return " ".join(joined)


def init_app(app: Flask) -> None:
    """Register the filters and the globals every template may use."""
    app.add_template_filter(lambda text: Markup(render_markdown(text)), "markdown")
    app.add_template_filter(one_line_plain, "plain")
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_local, "local_time")
    app.add_template_filter(binary_size, "binary_size")
    app.add_template_filter(end_with_one_blank_row, "with_one_blank_row")

    @app.context_processor
    def site_globals():
        site = current_site()
        return {
            "site": site,
            "site_title": site.title,
            # Rendering only: never bound to the request, so an error page for a refused
            # body (413) does not read that body again.
            "button_form": lambda: ButtonForm(formdata=None),
            "url_endpoints": current_app.view_functions,
            "admin_areas": [area for area in ADMIN_AREAS if area[0] in current_app.view_functions],
            "jsonld": jsonld,
            "status_of": _status_of,
            "absolute_url": absolute_url,
            "media_url": media_url,
            "site_time_zone": site_time_zone,
        }
