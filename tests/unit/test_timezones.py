"""The site's time zone: stored UTC to wall-clock time and back, across daylight-saving changes."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from podcaster.content.text import binary_size
from podcaster.web.timezones import NonexistentLocalTime, format_local, local_to_utc, utc_to_local, zone_named

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("local", "zone", "utc"), [
    (datetime(2026, 1, 15, 9, 30), PARIS, datetime(2026, 1, 15, 8, 30)),        # winter, UTC+1
    (datetime(2026, 7, 15, 9, 30), PARIS, datetime(2026, 7, 15, 7, 30)),        # summer, UTC+2
    (datetime(2026, 3, 29, 1, 59), PARIS, datetime(2026, 3, 29, 0, 59)),        # a minute before the jump
    (datetime(2026, 3, 29, 3, 0), PARIS, datetime(2026, 3, 29, 1, 0)),          # the first minute after it
    (datetime(2026, 11, 1, 0, 30), NEW_YORK, datetime(2026, 11, 1, 4, 30)),     # across midnight, EDT
    (datetime(2026, 11, 1, 9, 0), ZoneInfo("UTC"), datetime(2026, 11, 1, 9, 0)),
])
def test_local_times_are_stored_as_utc_and_shown_back_unchanged(local, zone, utc):
    assert local_to_utc(local, zone) == utc
    assert utc_to_local(utc, zone) == local


def test_a_time_the_clocks_skip_is_refused_with_a_reason():
    with pytest.raises(NonexistentLocalTime, match="does not exist in Europe/Paris"):
        local_to_utc(datetime(2026, 3, 29, 2, 30), PARIS)
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(datetime(2026, 3, 8, 2, 15), NEW_YORK)


def test_a_time_that_happens_twice_is_its_first_occurrence():
    # 25 October 2026, Paris: 02:30 CEST (00:30 UTC) and then 02:30 CET (01:30 UTC).
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), PARIS) == datetime(2026, 10, 25, 0, 30)
    assert utc_to_local(datetime(2026, 10, 25, 1, 30), PARIS) == datetime(2026, 10, 25, 2, 30)
    assert format_local(datetime(2026, 10, 25, 0, 30), PARIS) == "2026-10-25 02:30 CEST"
    assert format_local(datetime(2026, 10, 25, 1, 30), PARIS) == "2026-10-25 02:30 CET"


def test_unknown_zone_names_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="Unknown time zone “Mars/Olympus”"):
        zone_named("Mars/Olympus")


@pytest.mark.parametrize(("size", "shown"), [
    (1024**3, "1 GiB"), (20 * 1024**2, "20 MiB"), (1536, "1.5 KiB"), (4 * 1024**2, "4 MiB"), (512, "512 bytes"),
    (1_073_741_824 + 200 * 1024**2, "1.2 GiB"),
])
def test_sizes_are_shown_in_binary_units(size, shown):
    assert binary_size(size) == shown
