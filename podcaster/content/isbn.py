"""ISBN-10 and ISBN-13: accepted with hyphens or spaces, stored as digits only, check digit verified."""
from __future__ import annotations

import re

_PREFIX_RE = re.compile(r"^\s*ISBN(?:-1[03])?:?\s*", re.IGNORECASE)
_SEPARATORS_RE = re.compile(r"[\s\-‐‑–]")


class ISBNError(ValueError):
    """Not a valid ISBN; the message says what is wrong, for the form."""


def isbn10_check_digit(first_nine: str) -> str:
    """The check character (0-9 or X) for the first nine digits of an ISBN-10."""
    total = sum((10 - index) * int(digit) for index, digit in enumerate(first_nine))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def isbn13_check_digit(first_twelve: str) -> str:
    """The check digit for the first twelve digits of an ISBN-13 (EAN-13 weights 1, 3)."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first_twelve))
    return str((10 - total % 10) % 10)


def normalize_isbn(text: str) -> str:
    """Check an ISBN and return it as stored: digits only (a final X for some ISBN-10s).

    Args:
        text: what the author typed, e.g. ``978-0-306-40615-7`` or ``ISBN 0 306 40615 2``.

    Returns:
        The digits, or "" for empty input.

    Raises:
        ISBNError: wrong length, stray characters, or a wrong check digit.
    """
    compact = _SEPARATORS_RE.sub("", _PREFIX_RE.sub("", text or "")).upper()
    if not compact:
        return ""
    if len(compact) == 10:
        if not re.fullmatch(r"\d{9}[\dX]", compact):
            raise ISBNError("An ISBN-10 has nine digits followed by a digit or X.")
        expected = isbn10_check_digit(compact[:9])
    elif len(compact) == 13:
        if not compact.isdigit():
            raise ISBNError("An ISBN-13 has thirteen digits.")
        if not compact.startswith(("978", "979")):
            raise ISBNError("An ISBN-13 starts with 978 or 979.")
        expected = isbn13_check_digit(compact[:12])
    else:
        raise ISBNError(
            f"An ISBN has 10 or 13 digits; this one has {len(compact)} characters "
            "(hyphens and spaces do not count)."
        )
    if compact[-1] != expected:
        raise ISBNError(
            f"The check digit is wrong: with these first digits the last one must be {expected}, "
            f"not {compact[-1]}. Please check for a typo."
        )
    return compact
