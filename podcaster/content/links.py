"""Labelled links typed one per line as ``Label | https://url`` (social profiles, buy links)."""
from __future__ import annotations

from urllib.parse import urlsplit

MAX_LINKS = 50


class LinkError(ValueError):
    """A line is not ``Label | https://url``; the message names the line, for the form."""


def check_url(url: str) -> str:
    """Return ``url`` stripped when it is an absolute http(s) URL with a host.

    Raises:
        LinkError: another scheme (``javascript:``...), no host, or spaces.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise LinkError(f"{url!r} is not a valid address.") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise LinkError(f"{url!r} is not a web address starting with https:// or http://.")
    return url


def parse_links(text: str) -> list[dict[str, str]]:
    """Read labelled links, one per line; blank lines are skipped.

    Args:
        text: lines like ``Mastodon | https://example.social/@ada``.

    Returns:
        ``[{"label": ..., "url": ...}, ...]`` in the order typed.

    Raises:
        LinkError: naming the first bad line by number and content.
    """
    links = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        label, bar, url = line.partition("|")
        if not bar or not label.strip() or not url.strip():
            raise LinkError(f"Line {number} ({line.strip()!r}) is not in the form “Label | https://address”.")
        try:
            links.append({"label": label.strip()[:100], "url": check_url(url)})
        except LinkError as exc:
            raise LinkError(f"Line {number}: {exc}") from exc
    if len(links) > MAX_LINKS:
        raise LinkError(f"At most {MAX_LINKS} links, please.")
    return links


def links_from_rows(rows: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Read labelled links typed in a row editor; rows left empty are skipped.

    Args:
        rows: ``(label, url)`` pairs in the order shown.

    Returns:
        ``[{"label": ..., "url": ...}, ...]``, the shape ``parse_links`` returns.

    Raises:
        LinkError: naming the first bad row by its number on the page.
    """
    links = []
    for number, (label, url) in enumerate(rows, start=1):
        label, url = (label or "").strip(), (url or "").strip()
        if not label and not url:
            continue
        if not label:
            raise LinkError(f"Row {number}: give the link a label (like “Mastodon”).")
        if not url:
            raise LinkError(f"Row {number} (“{label}”) has no address.")
        try:
            links.append({"label": label[:100], "url": check_url(url)})
        except LinkError as exc:
            raise LinkError(f"Row {number}: {exc}") from exc
    if len(links) > MAX_LINKS:
        raise LinkError(f"At most {MAX_LINKS} links, please.")
    return links


def format_links(links: list[dict[str, str]] | None) -> str:
    """The text form of stored links, for the edit form."""
    return "\n".join(f"{link['label']} | {link['url']}" for link in links or [])
