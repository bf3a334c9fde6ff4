"""People credited on a show or an episode: ``Name | role [| https://link]`` lines.

Read the same way by the show and episode forms and by ``podcaster add-episode --guest``.
"""
from __future__ import annotations

from .links import LinkError, check_url

#: Roles of the Podcast Index person taxonomy most shows use.
PERSON_ROLES = ["host", "co-host", "guest", "guest host", "producer", "editor", "composer", "narrator",
                "author", "writer", "researcher", "sound designer", "cover art designer"]
MAX_PEOPLE = 50


class CreditLineError(ValueError):
    """A credit line cannot be read; the message names the line, for the author."""


def parse_credit_lines(text: str, role_label: str = "credit") -> list[tuple[str, str, str]]:
    """Read ``Name | role [| https://link]`` lines.

    Returns:
        ``(name, role, url)`` triples in order; role is "" when not given (the caller's default applies).

    Raises:
        CreditLineError: naming the bad line.
    """
    entries = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        role = (parts[1] if len(parts) > 1 and parts[1] else "").lower()
        entries.append(_person(f"Line {number}", parts[0], role, parts[2] if len(parts) > 2 else "", role_label))
    if len(entries) > MAX_PEOPLE:
        raise CreditLineError(f"At most {MAX_PEOPLE} people, please.")
    return entries


def credits_from_rows(rows: list[tuple[str, str, str]], role_label: str = "credit") -> list[tuple[str, str, str]]:
    """Read people typed in a row editor; rows left empty are skipped.

    Args:
        rows: ``(name, role, url)`` in the order shown (role and url may be "").
        role_label: the word used in the refusal ("credit", "person").

    Returns:
        ``(name, role, url)`` triples, the shape ``parse_credit_lines`` returns.

    Raises:
        CreditLineError: naming the first bad row by its number on the page.
    """
    entries = []
    for number, (name, role, url) in enumerate(rows, start=1):
        name, role, url = (name or "").strip(), (role or "").strip().lower(), (url or "").strip()
        if not (name or role or url):
            continue
        entries.append(_person(f"Row {number}", name, role, url, role_label))
    if len(entries) > MAX_PEOPLE:
        raise CreditLineError(f"At most {MAX_PEOPLE} people, please.")
    return entries


def _person(where: str, name: str, role: str, url: str, role_label: str) -> tuple[str, str, str]:
    """One person of a credit line or row, checked; ``where`` names it in the refusal ("Line 2", "Row 3")."""
    if not name:
        raise CreditLineError(f"{where} has no name.")
    if role and role not in PERSON_ROLES:
        raise CreditLineError(f"{where}: “{role}” is not a known {role_label} role "
                              f"(use one of: {', '.join(PERSON_ROLES)}).")
    if url:
        try:
            url = check_url(url)
        except LinkError as exc:
            raise CreditLineError(f"{where}: {exc}") from exc
    return name[:200], role, url
