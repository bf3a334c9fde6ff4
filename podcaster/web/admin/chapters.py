"""Admin: the chapter editor of an episode (mark chapters while the preview plays, edit, reorder, save).

The editor is a plain form of rows (``chapters-N-start``, ``-title``, ``-url``, ``-img``); without
JavaScript the author fills the rows offered and saves again for more, with it rows are added at the
preview's current time, moved and removed (static/js/chapter-editor.js). Saving goes through
``content.podcasts.save_chapter_rows``: the JSON chapters file and the MP3's own chapter marks.
"""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for

from ...content.audio import AudioError
from ...content.chapters import ChapterRowsError, format_timestamp
from ...content.podcasts import save_chapter_rows
from ...extensions import db
from ...models import Episode
from .. import media_store
from ..forms import ButtonForm
from . import bp

#: Empty rows offered below the chapters, so a first chapter (or a few more) can be typed without JavaScript.
SPARE_ROWS = 2
_ROW_FIELD_RE = re.compile(r"^chapters-(\d{1,4})-(start|title|url|img)$")
ROW_FIELDS = ("start", "title", "url", "img")


def rows_of(chapters: list[dict] | None) -> list[dict[str, str]]:
    """The editor's rows for stored chapters, followed by the spare empty rows."""
    rows = [{"start": format_timestamp(chapter.get("startTime", 0)), "title": chapter.get("title", ""),
             "url": chapter.get("url", ""), "img": chapter.get("img", "")} for chapter in chapters or []]
    return rows + [dict.fromkeys(ROW_FIELDS, "") for _ in range(SPARE_ROWS)]


def _submitted_rows() -> list[dict[str, str]]:
    """The rows of the posted form, in the order of their numbers."""
    rows: dict[int, dict[str, str]] = {}
    for name, value in request.form.items():
        match = _ROW_FIELD_RE.match(name)
        if match:
            rows.setdefault(int(match.group(1)), dict.fromkeys(ROW_FIELDS, ""))[match.group(2)] = value
    return [rows[number] for number in sorted(rows)]


@bp.app_context_processor
def chapter_editor_helpers():
    """Let the episode form include the editor with the episode's rows."""
    return {"chapter_rows": rows_of}


@bp.route("/episodes/<int:episode_id>/chapters", methods=["GET", "POST"])
def episode_chapters(episode_id: int):
    """The chapter editor alone (GET), and where it saves (POST): back to the episode page when saved,
    or the rows again with what is wrong (422)."""
    episode = db.get_or_404(Episode, episode_id)
    if request.method == "GET":
        return render_template("admin/episode_chapters.html", episode=episode, show=episode.show,
                               rows=rows_of(episode.chapters), problems={})
    if not ButtonForm().validate_on_submit():
        abort(400)
    rows = _submitted_rows()
    try:
        tagged = save_chapter_rows(db.session, media_store(), episode, rows)
    except ChapterRowsError as refusal:
        problems = {(number - 1, field): message for number, field, message in refusal.problems}
    except AudioError as exc:
        problems = {(-1, "audio"): str(exc)}
    else:
        count = len(episode.chapters)
        where = "the chapters file and the MP3" if tagged else "the chapters file"
        flash(f"Saved {count} chapter{'s' if count != 1 else ''} of “{episode.title}” ({where}).", "success")
        return redirect(url_for("admin.episode_edit", episode_id=episode.id, _anchor="chapters"))
    # The rows as sent (blank ones too), so each message sits beside the row number it names.
    return render_template("admin/episode_chapters.html", episode=episode, show=episode.show,
                           rows=rows or rows_of([]), problems=problems), 422
