"""nginx access logs in the ``podcaster_stats`` format (README "Listener statistics", docs/nginx.conf).

One line per request, ten tab-separated fields, written with ``escape=json`` (so no value holds a tab)::

    log_format podcaster_stats escape=json
        '$msec\\t$request_id\\t$remote_addr\\t$request_method\\t$request_uri\\t$status'
        '\\t$bytes_sent\\t$body_bytes_sent\\t$http_range\\t$http_user_agent';

``$body_bytes_sent`` is what counts (the audio bytes of that request); ``$request_id`` makes every line
unique, so the same line ingested twice is recognised by its salted hash (``download_hit.line_key``) and
adds nothing. Lines of a day whose salt is destroyed (older than yesterday) are skipped: they cannot be
told apart from lines already counted.
"""
from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Episode, MediaFile
from ..publishing import is_visible
from .counting import SOURCE_LOG, Hit, may_count, record_hits
from .geo import no_country
from .salts import SaltCache, listener_key
from .user_agents import AgentList

LOG_FORMAT = ("log_format podcaster_stats escape=json\n"
              "    '$msec\\t$request_id\\t$remote_addr\\t$request_method\\t$request_uri\\t$status'\n"
              "    '\\t$bytes_sent\\t$body_bytes_sent\\t$http_range\\t$http_user_agent';")
FIELDS = 10
MEDIA_PREFIX = "/media/"


@dataclass
class IngestReport:
    """What one ingestion did: lines read, hits added, lines already ingested, lines that are not hits
    (other paths, HEAD, probes, errors), lines too old to count, and lines not of the format."""

    lines: int = 0
    added: int = 0
    repeated: int = 0
    ignored: int = 0
    too_old: int = 0
    unreadable: int = 0


def open_log(path: Path):
    """A text reader of an access log, gzipped (``.gz``, as logrotate leaves them) or not."""
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - the caller closes it


def _unescape(value: str) -> str:
    return value.replace('\\"', '"').replace("\\\\", "\\") if "\\" in value else value


def audio_episodes(session: Session) -> dict[str, tuple[int, int, str, datetime | None]]:
    """Every episode audio file's path with its (show id, episode id, status, publish_at)."""
    rows = session.execute(select(MediaFile.path, Episode.show_id, Episode.id, Episode.status, Episode.publish_at)
                           .join(Episode, Episode.audio_id == MediaFile.id))
    return {path: (show_id, episode_id, status, publish_at) for path, show_id, episode_id, status, publish_at
            in rows}


def ingest_lines(session: Session, lines: Iterable[str], now: datetime, agents: AgentList,
                 country: Callable[[str], str] = no_country) -> IngestReport:
    """Add the hits of access-log lines; does not commit.

    Args:
        session: where hits go.
        lines: log lines of the ``podcaster_stats`` format.
        now: the current time (naive UTC): which days still have a salt.
        agents: the user-agent list.
        country: address -> country code.

    Returns:
        The counts of what was read.
    """
    report = IngestReport()
    episodes = audio_episodes(session)
    salts = SaltCache()

    def hits() -> Iterator[Hit]:
        for line in lines:
            report.lines += 1
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != FIELDS:
                report.unreadable += 1
                continue
            msec, _request_id, address, method, uri, status, _sent, body_sent, range_header, user_agent = fields
            if not uri.startswith(MEDIA_PREFIX):
                report.ignored += 1
                continue
            try:
                at = datetime.fromtimestamp(float(msec), UTC).replace(tzinfo=None)
                served, code = int(body_sent), int(status)
            except (ValueError, OverflowError):
                report.unreadable += 1
                continue
            found = episodes.get(unquote(uri[len(MEDIA_PREFIX):].split("?", 1)[0]))
            if found is None or not may_count(method, _unescape(range_header), code) or served <= 0:
                report.ignored += 1
                continue
            if not is_visible(found[2], found[3], at):
                # nginx sent it through /_protected_media/ (X-Accel-Redirect) for the author's preview of a
                # draft or scheduled episode: the app does not count those answers, nor does the log.
                report.ignored += 1
                continue
            salt = salts.get(session, at.date(), now)
            if salt is None:
                report.too_old += 1
                continue
            user_agent = _unescape(user_agent)
            try:
                listener = listener_key(salt, address, user_agent)
            except ValueError:
                report.unreadable += 1
                continue
            agent = agents.classify(user_agent)
            show_id, episode_id = found[:2]
            yield Hit(at=at, day=at.date(), show_id=show_id, episode_id=episode_id, listener=listener,
                      app=agent.app[:80], platform=agent.platform[:40], country=country(address),
                      bytes=served, bot=agent.excluded, source=SOURCE_LOG,
                      line_key=hashlib.sha256(f"{salt}\0{line.rstrip()}".encode()).hexdigest()[:32])

    produced = 0

    def counted() -> Iterator[Hit]:
        nonlocal produced
        for hit in hits():
            produced += 1
            yield hit

    report.added = record_hits(session, counted())
    report.repeated = produced - report.added
    return report


def ingest_files(session: Session, paths: Iterable[Path], now: datetime, agents: AgentList,
                 country: Callable[[str], str] = no_country) -> IngestReport:
    """``ingest_lines`` over files (plain or gzipped) one after the other; commits after each file.

    Raises:
        OSError: a file cannot be read (the files before it stay ingested).
    """
    total = IngestReport()
    for path in paths:
        with open_log(Path(path)) as lines:
            report = ingest_lines(session, lines, now, agents, country)
        session.commit()
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(report, name))
    return total
