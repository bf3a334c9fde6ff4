"""The media route's hits, buffered in memory and written by a background thread, off the request path.

A request adds one small tuple to a list (no hashing, no query, no I/O); every ``FLUSH_SECONDS`` (or at
``FLUSH_HITS`` waiting hits) a daemon thread of that process turns them into hits (the day's salt, the
listener hash, app, platform, country) and appends them in one transaction. The address lives only in
that list, for those seconds: it is never written to the database, the job queue or a log. Hits still in
memory when a process is killed are lost (at most a few seconds' worth); an orderly exit flushes them.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ...models import Episode
from .counting import SOURCE_APP, Hit, record_hits
from .geo import no_country
from .salts import SaltCache, listener_key
from .user_agents import AgentList

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
FLUSH_HITS = 500
#: Beyond this many waiting hits (a database away for long) new ones are dropped rather than eat memory.
MAX_WAITING = 100_000


class HitRecorder:
    """Collects hits of one process and writes them in batches.

    Args:
        engine: gives the database the hits go to (read when they are written: an app's engine exists
            only once the app is set up).
        agents: a callable returning the user-agent list (re-read when it is refreshed).
        clock: the current time (naive UTC).
        country: address -> ISO country code ("" when unknown).
        background: start a flushing thread on the first hit (off in tests that flush themselves).
    """

    def __init__(self, engine: Callable[[], Engine], agents: Callable[[], AgentList], clock: Callable[[], datetime],
                 country: Callable[[str], str] = no_country, background: bool = True) -> None:
        self.engine = engine
        self._agents = agents
        self._clock = clock
        self._country = country
        self._background = background
        self._waiting: list[tuple] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread_pid: int | None = None
        self._salts = SaltCache()
        self.dropped = 0

    def add(self, address: str, user_agent: str, show_id: int, episode_id: int, served: int,
            source: str = SOURCE_APP) -> None:
        """Note one counted request (cheap: the work is done by ``flush``)."""
        item = (self._clock(), address, user_agent, show_id, episode_id, served, source)
        with self._lock:
            if len(self._waiting) >= MAX_WAITING:
                self.dropped += 1
                return
            self._waiting.append(item)
            waiting = len(self._waiting)
        if self._background:
            if self._thread_pid != os.getpid():  # the first hit of this (possibly forked) process
                self._start()
            if waiting >= FLUSH_HITS:
                self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
        threading.Thread(target=self._run, name="podcaster-hits", daemon=True).start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the hits are kept for the next attempt
                logger.exception("Listener hits could not be written; trying again shortly")

    def flush(self) -> int:
        """Write the waiting hits now; returns how many were written. On failure they wait for the next try."""
        with self._lock:
            items, self._waiting = self._waiting, []
        if not items:
            return 0
        try:
            with Session(self.engine()) as session:
                hits = of_existing_episodes(session, list(self._hits(session, items)))
                written = record_hits(session, hits)
                session.commit()
        except BaseException:
            with self._lock:
                self._waiting[:0] = items
            raise
        return written

    def _hits(self, session: Session, items: list[tuple]):
        agents = self._agents()
        now = self._clock()
        for at, address, user_agent, show_id, episode_id, served, source in items:
            salt = self._salts.get(session, at.date(), now)
            if salt is None:
                continue  # its day's salt is gone (a hit held across two midnights): it can no longer count
            try:
                listener = listener_key(salt, address, user_agent)
            except ValueError:
                continue  # not an address (a misconfigured proxy): nobody to count
            agent = agents.classify(user_agent)
            yield Hit(at=at, day=at.date(), show_id=show_id, episode_id=episode_id, listener=listener,
                      app=agent.app[:80], platform=agent.platform[:40], country=self._country(address),
                      bytes=served, bot=agent.excluded, source=source)


def of_existing_episodes(session: Session, hits: list[Hit]) -> list[Hit]:
    """The hits whose episode still exists.

    An episode deleted while its hits waited in memory would make the whole batch's commit fail (a foreign
    key) at every retry until the buffer is full; its hits can no longer count, so they are dropped.

    Args:
        session: where the episodes are read.
        hits: the batch about to be written.

    Returns:
        The hits of episodes still in the database, in their order.
    """
    episode_ids = {hit.episode_id for hit in hits}
    if not episode_ids:
        return hits
    existing = set(session.scalars(select(Episode.id).where(Episode.id.in_(episode_ids))))
    return [hit for hit in hits if hit.episode_id in existing]
