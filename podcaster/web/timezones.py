"""The site's time zone: dates and times are entered and shown in it, and stored as naive UTC.

``site_time_zone()`` is the one place the zone is read (the site settings, first-run default
``SITE_TIME_ZONE``);
everything else takes the zone it is given, so the conversions are plain functions.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wtforms import DateTimeLocalField

from .site import current_site

#: What a ``datetime-local`` input sends (browsers add seconds only when the step asks for them).
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class NonexistentLocalTime(ValueError):
    """A wall-clock time the zone skips (the hour lost when the clocks go forward)."""


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called ``name`` (e.g. "Europe/Paris").

    Raises:
        ValueError: no such zone, with a message naming it.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone “{name}”: use an IANA name such as Europe/Paris or UTC.") from exc


def site_time_zone() -> ZoneInfo:
    """The site's time zone: the one saved in the site settings, else ``PODCASTER_SITE_TIME_ZONE`` (UTC)."""
    return zone_named(current_site().time_zone)


def utc_to_local(value: datetime, zone: ZoneInfo) -> datetime:
    """A stored naive-UTC time as the naive wall-clock time of ``zone``."""
    return value.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)


def local_to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time of ``zone`` as naive UTC, for storing.

    A time that occurs twice (the hour repeated when the clocks go back) is read as its first
    occurrence, the one a calendar shows first.

    Raises:
        NonexistentLocalTime: the zone skips this time (the clocks went forward over it).
    """
    aware = value.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(timezone.utc)
    if utc.astimezone(zone).replace(tzinfo=None) != value.replace(fold=0):
        raise NonexistentLocalTime(
            f"{value:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks go forward then. "
            "Choose a time outside that hour."
        )
    return utc.replace(tzinfo=None)


def format_local(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """A stored naive-UTC time shown in the site's zone, with the zone's abbreviation ("2026-03-29 03:30 CEST")."""
    if value is None:
        return ""
    zone = zone or site_time_zone()
    local = value.replace(tzinfo=timezone.utc).astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


class SiteDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input in the site's time zone whose ``data`` is naive UTC."""

    def __init__(self, label=None, validators=None, format=None, **kwargs):
        super().__init__(label, validators, format=format or LOCAL_INPUT_FORMATS, **kwargs)

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if self.data is not None:
            try:
                self.data = local_to_utc(self.data, site_time_zone())
            except NonexistentLocalTime:
                self.data = None
                raise

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        return utc_to_local(self.data, site_time_zone()).strftime(self.format[0])
