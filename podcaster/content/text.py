"""Rules for text that reaches feeds and pages: which characters it may hold, and how long it may be.

XML 1.0 allows only tab, line feed, carriage return and the characters from
U+0020 up, except the surrogates (U+D800 to U+DFFF) and U+FFFE/U+FFFF. One
other character (a vertical tab pasted from a word processor, a backspace)
in a title makes every feed that carries it unbuildable, so forms and
commands refuse such text and importers strip it.
"""
from __future__ import annotations

import re

#: Every character XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE, U+FFFF).
FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Caps on what one field may hold: enough for any real title or notes, small enough that a page
#: or a feed built from them stays cheap.
TITLE_MAX = 300
SHORT_TEXT_MAX = 4000
LONG_TEXT_MAX = 100_000

_NAMES = {
    "\x00": "null", "\x07": "bell", "\x08": "backspace", "\x0b": "vertical tab", "\x0c": "form feed",
    "\x1b": "escape", "\ufffe": "non-character", "\uffff": "non-character",
}


class TextRuleError(ValueError):
    """The text breaks one of the rules here; the message names the field."""


class ForbiddenCharacterError(TextRuleError):
    """The text holds a character XML cannot carry; the message names it and where it is."""


def forbidden_characters(text: str | None) -> list[str]:
    """The distinct forbidden characters in ``text``, in order of first appearance."""
    found: dict[str, None] = {}
    for match in FORBIDDEN_RE.finditer(text or ""):
        found.setdefault(match.group(), None)
    return list(found)


def describe_character(char: str) -> str:
    """A character as a reader can find it: ``U+000B (vertical tab)``."""
    code = f"U+{ord(char):04X}"
    name = _NAMES.get(char, "surrogate" if "\ud800" <= char <= "\udfff" else "control character")
    return f"{code} ({name})"


def forbidden_message(text: str | None, label: str) -> str | None:
    """The refusal for ``text`` naming the field ``label``, or None when the text is fine."""
    chars = forbidden_characters(text)
    if not chars:
        return None
    position = FORBIDDEN_RE.search(text).start() + 1
    listed = ", ".join(describe_character(char) for char in chars[:3])
    return (f"{label} contains a character that cannot appear in a feed or a page: {listed}, "
            f"first at character {position}. Remove it (it is often pasted in from another program).")


def check_text(text: str | None, label: str) -> None:
    """Refuse text holding a forbidden character.

    Args:
        text: the value to check (None counts as empty).
        label: the field's name for the message ("Title", "--title").

    Raises:
        ForbiddenCharacterError: naming the field and the character.
    """
    message = forbidden_message(text, label)
    if message:
        raise ForbiddenCharacterError(message)


def strip_forbidden(text: str | None) -> str:
    """``text`` without the characters XML forbids (for imports, which report what they dropped)."""
    return FORBIDDEN_RE.sub("", text or "")


def check_field(text: str | None, label: str, max_length: int) -> None:
    """Apply every rule to one field's value (for commands; forms use the validators in ``web.forms``).

    Args:
        text: the value (None counts as empty).
        label: the field's name for the message.
        max_length: the most characters the field may hold.

    Raises:
        TextRuleError: a forbidden character, or text longer than ``max_length``.
    """
    check_text(text, label)
    if text and len(text) > max_length:
        raise TextRuleError(f"{label}: at most {max_length} characters, please (this has {len(text)}).")


def binary_size(size: int) -> str:
    """A byte count in the binary units operating systems show: "1 GiB", "20 MiB", "1.5 KiB"."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == round(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"
