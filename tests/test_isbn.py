"""ISBN-10/13: separators accepted, digits stored, the check digit verified."""
from __future__ import annotations

import pytest

from podcaster.content.isbn import ISBNError, isbn10_check_digit, isbn13_check_digit, normalize_isbn


@pytest.mark.parametrize(
    "text, stored",
    [
        ("978-0-306-40615-7", "9780306406157"),
        ("9780306406157", "9780306406157"),
        ("978 0 306 40615 7", "9780306406157"),
        ("ISBN 978-0-306-40615-7", "9780306406157"),
        ("ISBN-13: 978-0-306-40615-7", "9780306406157"),
        ("0-306-40615-2", "0306406152"),
        ("0306406152", "0306406152"),
        ("0-8044-2957-X", "080442957X"),
        ("0-8044-2957-x", "080442957X"),
        ("979-10-90636-07-1", "9791090636071"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_good_isbns(text, stored):
    assert normalize_isbn(text) == stored


@pytest.mark.parametrize(
    "text, message",
    [
        ("978-0-306-40615-8", "check digit is wrong.*must be 7, not 8"),
        ("0-306-40615-3", "check digit is wrong.*must be 2, not 3"),
        ("0-8044-2957-1", "check digit is wrong.*must be X"),
        ("12345", "10 or 13 digits"),
        ("97803064061577", "10 or 13 digits"),
        ("03064X6152", "nine digits followed by"),
        ("978030640615X", "thirteen digits"),
        ("1234567890128", "starts with 978 or 979"),
        ("abc-def-ghij", "nine digits"),
    ],
)
def test_bad_isbns(text, message):
    with pytest.raises(ISBNError, match=message):
        normalize_isbn(text)


def test_check_digits_agree_for_the_same_book():
    # 0-306-40615-2 and 978-0-306-40615-7 are the same book in both systems.
    assert isbn10_check_digit("030640615") == "2"
    assert isbn13_check_digit("978030640615") == "7"
