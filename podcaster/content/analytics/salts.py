"""The listener key: a hash of the IP address (IPv6 cut to its /64) and user agent with the day's salt.

Each UTC day has its own random salt (``listener_salt``), made on the day's first hit. The roll-up deletes
a day's salt once the next day is over too (a day of grace for the access logs of the day before, which
logrotate hands over after midnight); from then on nobody, us included, can tell whose hashes they were.
"""
from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import ListenerSalt

#: A salt lives through its day and the next one (late access logs), then is destroyed.
SALT_GRACE = timedelta(days=1)


def network_of(address: str) -> str:
    """The part of an address that identifies a listener: all of IPv4, the first 64 bits of IPv6 (IAB).

    Raises:
        ValueError: not an IP address.
    """
    ip = ipaddress.ip_address(address.strip())
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)).network_address)
    return str(ip)


def listener_key(salt: str, address: str, user_agent: str) -> str:
    """The listener of a day: 32 hex digits of SHA-256 over salt, network and user agent.

    Raises:
        ValueError: ``address`` is not an IP address.
    """
    material = f"{salt}\0{network_of(address)}\0{user_agent}".encode("utf-8", "replace")
    return hashlib.sha256(material).hexdigest()[:32]


def oldest_salted_day(now: datetime) -> date:
    """The first day whose salt still exists (or may be made) at ``now``."""
    return (now - SALT_GRACE).date()


def salt_for(session: Session, day: date, now: datetime) -> str | None:
    """The salt of ``day``, made when it is the first hit of the day; None for a day whose salt is destroyed.

    Writes (and commits, in a savepoint) only when it makes the salt; another process making it at the same
    moment wins and its salt is returned.
    """
    if day < oldest_salted_day(now) or day > now.date() + timedelta(days=1):
        return None
    found = session.scalar(select(ListenerSalt.salt).where(ListenerSalt.day == day))
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(ListenerSalt(day=day, salt=secrets.token_hex(32)))
    except IntegrityError:
        pass
    return session.scalar(select(ListenerSalt.salt).where(ListenerSalt.day == day))


def destroy_past_salts(session: Session, now: datetime) -> int:
    """Delete the salts of days past their grace; returns how many were destroyed."""
    result = session.execute(delete(ListenerSalt).where(ListenerSalt.day < oldest_salted_day(now)))
    return result.rowcount or 0


class SaltCache:
    """The salts one process has read, per day (a hit needs one; the database is asked once a day)."""

    def __init__(self) -> None:
        self._salts: dict[date, str | None] = {}

    def get(self, session: Session, day: date, now: datetime) -> str | None:
        if day not in self._salts or self._salts[day] is None:
            if len(self._salts) > 4:
                self._salts.clear()
            self._salts[day] = salt_for(session, day, now)
        if day < oldest_salted_day(now):
            return None
        return self._salts[day]
