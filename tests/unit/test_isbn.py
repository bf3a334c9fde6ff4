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
        ("0-306-40616-0", "0306406160"),  # a check digit of 0 (11 - 0 wraps round)
        ("978-0-306-40614-0", "9780306406140"),  # likewise for ISBN-13 (10 - 0 wraps round)
        ("", ""),
        ("   ", ""),
    ],
)
def test_good_isbns(text, stored):
    assert normalize_isbn(text) == stored


WRONG_DIGIT = ("The check digit is wrong: with these first digits the last one must be {}, not {}."
               " Please check for a typo.")
LENGTH = "An ISBN has 10 or 13 digits; this one has {} characters (hyphens and spaces do not count)."
TEN_DIGITS = "An ISBN-10 has nine digits followed by a digit or X."


@pytest.mark.parametrize(
    "text, message",
    [
        ("978-0-306-40615-8", WRONG_DIGIT.format(7, 8)),
        ("0-306-40615-3", WRONG_DIGIT.format(2, 3)),
        ("0-8044-2957-1", WRONG_DIGIT.format("X", 1)),
        ("0-306-40616-X", WRONG_DIGIT.format(0, "X")),
        ("12345", LENGTH.format(5)),
        ("97803064061577", LENGTH.format(14)),
        ("03064X6152", TEN_DIGITS),
        ("978030640615X", "An ISBN-13 has thirteen digits."),
        ("1234567890128", "An ISBN-13 starts with 978 or 979."),
        ("abc-def-ghij", TEN_DIGITS),
    ],
)
def test_bad_isbns(text, message):
    # The whole message, as the form shows it.
    with pytest.raises(ISBNError) as refused:
        normalize_isbn(text)
    assert str(refused.value) == message


def test_check_digits_agree_for_the_same_book():
    # 0-306-40615-2 and 978-0-306-40615-7 are the same book in both systems.
    assert isbn10_check_digit("030640615") == "2"
    assert isbn13_check_digit("978030640615") == "7"
