"""``podcaster add-episode``: the episode upload pipeline for scripts and bulk imports."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..content.credits import CreditLineError, parse_credit_lines
from ..content.episodes import EpisodeFields, EpisodeFiles, EpisodeLimits, EpisodeRefused, IncomingFile, save_episode
from ..content.text import LONG_TEXT_MAX, TITLE_MAX, TextRuleError, check_field
from ..extensions import db
from ..models import Book, Show, Status, utcnow
from .common import media_store

TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value.strip().removesuffix("Z"), fmt)
        except ValueError:
            continue
    raise click.BadParameter(f"{value!r} is not a time like 2026-05-01T09:00 (UTC).", param_hint="--publish-at")


@click.command("add-episode")
@click.argument("show_slug")
@click.argument("audio_file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--title", required=True, help="The episode title.")
@click.option("--slug", default=None, help="The episode's address; made from the title when omitted.")
@click.option("--notes-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Show notes in Markdown (UTF-8).")
@click.option("--publish", is_flag=True, help="Publish now (default: save as a draft).")
@click.option("--publish-at", "publish_at", default=None,
              help="Publication time in UTC, e.g. 2026-05-01T09:00; in the future it schedules the episode.")
# Plain integers: the numbering rules (from 1, one episode per season and number) are the domain's,
# so a refusal is its one-line message with exit status 1, as for the upload form.
@click.option("--season", type=int, default=None, help="The season number (1 or more).")
@click.option("--number", type=int, default=None,
              help="The episode number (1 or more, unique in its season).")
@click.option("--transcript", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An SRT or WebVTT transcript.")
@click.option("--chapters", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A Podcast Index JSON chapters file.")
@click.option("--artwork", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Episode artwork (JPEG or PNG, square, 1400 to 3000 pixels).")
@click.option("--summary", default="", help="A short plain-text summary.")
@click.option("--guest", "guests", multiple=True, metavar='"NAME|ROLE|URL"',
              help="A guest or other person (role and link optional); repeat for several.")
@click.option("--book", "books", multiple=True, metavar="SLUG", help="A book discussed; repeat for several.")
@with_appcontext
def add_episode_command(show_slug: str, audio_file: Path, title: str, slug: str | None, notes_file: Path | None,
                        publish: bool, publish_at: str | None, season: int | None, number: int | None,
                        transcript: Path | None, chapters: Path | None, artwork: Path | None, summary: str,
                        guests: tuple[str, ...], books: tuple[str, ...]):
    """Add an episode to SHOW_SLUG from AUDIO_FILE (MP3 or M4A), exactly as the upload form does."""
    show = db.session.execute(db.select(Show).filter_by(slug=show_slug)).scalar_one_or_none()
    if show is None:
        known = ", ".join(db.session.execute(db.select(Show.slug).order_by(Show.slug)).scalars()) or "none yet"
        raise click.ClickException(f"No show with the slug {show_slug!r} (shows: {known}).")
    when = _parse_time(publish_at)
    status = Status.PUBLISHED.value if (publish or when) else Status.DRAFT.value
    try:
        notes = notes_file.read_text(encoding="utf-8") if notes_file else ""
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"--notes-file: {notes_file} is not UTF-8 text ({exc.reason}).") from exc
    try:
        # The same rules as the episode form: one control character would take the feed down.
        for label, value, cap in (("--title", title, TITLE_MAX), ("--slug", slug, 200),
                                  ("--notes-file", notes, LONG_TEXT_MAX), ("--summary", summary, 4000),
                                  *(("--guest", guest, 1000) for guest in guests)):
            check_field(value, label, cap)
        people = parse_credit_lines("\n".join(guest.replace("\n", " ") for guest in guests), "person")
    except TextRuleError as exc:
        raise click.ClickException(str(exc)) from exc
    except CreditLineError as exc:
        raise click.ClickException(f"--guest: {exc}") from exc
    book_ids = []
    for book_slug in books:
        book = db.session.execute(db.select(Book).filter_by(slug=book_slug)).scalar_one_or_none()
        if book is None:
            raise click.ClickException(f"No book with the slug {book_slug!r}.")
        book_ids.append(book.id)
    clock = current_app.config.get("CLOCK")
    fields = EpisodeFields(title=title, slug=slug, notes=notes, summary=summary, status=status, publish_at=when,
                           season=season, number=number, book_ids=book_ids, guests=people)
    files = EpisodeFiles(audio=IncomingFile(audio_file.name, path=audio_file),
                         transcript=IncomingFile(transcript.name, path=transcript) if transcript else None,
                         chapters=IncomingFile(chapters.name, path=chapters) if chapters else None,
                         artwork=IncomingFile(artwork.name, path=artwork) if artwork else None)
    # No size limit for the audio: the site's upload limit guards the web server, not its owner's shell.
    limits = EpisodeLimits(max_audio_bytes=None, max_image_bytes=current_app.config["MAX_IMAGE_BYTES"])
    try:
        episode = save_episode(db.session, media_store(), show, None, fields, files,
                               clock() if clock else utcnow(), limits)
    except EpisodeRefused as refusal:
        where = {"audio": audio_file, "artwork": artwork}.get(refusal.field)
        raise click.ClickException(f"{where}: {refusal.message}" if where else refusal.message) from refusal
    state = episode.status if episode.status != Status.SCHEDULED else f"scheduled for {episode.publish_at} UTC"
    click.echo(f"Added “{episode.title}” to {show.title} ({state}): /podcasts/{show.slug}/{episode.slug}, "
               f"{episode.duration:.1f} s, {episode.audio.size} bytes, guid {episode.guid}.")


COMMANDS = (add_episode_command,)
