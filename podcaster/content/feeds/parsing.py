"""Reading a feed from another host: untrusted XML, parsed safely, with the slips podcast apps forgive repaired.

One parse function serves the importer and the feed doctor. Entities and DTDs
are never resolved or loaded and the network is never used (XXE, billion
laughs); a DOCTYPE is refused outright, since podcast feeds never need one.

Real feeds that podcast apps read are often not quite XML: No Agenda's uses
the undefined HTML entity ``&gtgt;``, others have whitespace before the XML
declaration or control characters XML forbids. When the strict parse fails,
those are repaired (lxml's recovering parser for the rest) and each repair is
named, so the importer can say what it changed and the doctor can report it.
"""
from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass, field

from lxml import etree

MAX_DEPTH = 64
MAX_REPAIRS_LISTED = 5
_UTF8_BOM = b"\xef\xbb\xbf"
# Control characters XML 1.0 forbids, raw (safe to drop byte-wise: in UTF-8 and the one-byte encodings these
# bytes never appear inside another character) and as character references.
_FORBIDDEN_BYTES = re.compile(rb"[\x01-\x08\x0b\x0c\x0e-\x1f]")
_FORBIDDEN_REFERENCES = re.compile(rb"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8]|[bBcCeEfF]|1[0-9a-fA-F]));")


class FeedParseError(Exception):
    """The document cannot be read as XML even with repairs; the message says why."""


@dataclass
class ParsedFeed:
    """A parsed feed and what was repaired to read it (empty when it was well-formed)."""

    root: etree._Element
    repairs: list[str] = field(default_factory=list)


def _parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(recover=recover, resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True, remove_pis=True)


def _entities_as_text(root: etree._Element) -> list[str]:
    """Replace undefined entity references by the character HTML gives them, or by their literal text.

    A fixed table lookup (HTML5's named characters), not entity resolution: nothing expands further.
    """
    names = []
    for entity in list(root.iter(etree.Entity)):
        name = entity.text[1:-1]
        names.append(entity.text)
        text = html.entities.html5.get(f"{name};", entity.text) + (entity.tail or "")
        parent = entity.getparent()
        previous = entity.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(entity)
    return names


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def parse_feed(data: bytes) -> ParsedFeed:
    """Parse untrusted feed XML, repairing what podcast apps forgive.

    Args:
        data: the document.

    Returns:
        The root element and the repairs made (plain sentences).

    Raises:
        FeedParseError: a DOCTYPE or entity declaration, a document that stays unreadable, or too deep a tree.
    """
    if b"<!doctype" in data[:4096].lower() or b"<!entity" in data.lower():
        raise FeedParseError("the feed declares a DOCTYPE or entities, which podcast feeds never need")
    try:
        root = etree.fromstring(data, _parser(recover=False))
        repairs: list[str] = []
    except etree.XMLSyntaxError as strict_error:
        root, repairs = _repair(data, strict_error)
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        # the byte check above cannot see a DOCTYPE in UTF-16; nothing was resolved, but refuse alike
        raise FeedParseError("the feed declares a DOCTYPE or entities, which podcast feeds never need")
    if max((len(list(node.iterancestors())) for node in root.iter()), default=0) > MAX_DEPTH:
        raise FeedParseError("the feed is nested too deeply")
    return ParsedFeed(root, repairs)


def _repair(data: bytes, strict_error: etree.XMLSyntaxError) -> tuple[etree._Element, list[str]]:
    repairs = []
    stripped = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    if stripped[:1].isspace():
        stripped = stripped.lstrip()
        repairs.append("removed the blank space before the XML declaration")
    data = stripped
    if b"\x00" not in data:  # not UTF-16 or UTF-32, where these bytes are parts of characters
        data, raw = _FORBIDDEN_BYTES.subn(b"", data)
        data, references = _FORBIDDEN_REFERENCES.subn(b"", data)
        if raw + references:
            repairs.append(f"dropped {_plural(raw + references, 'control character')} that XML forbids "
                           "(from titles, notes or other text)")
    try:
        return etree.fromstring(data, _parser(recover=False)), repairs
    except etree.XMLSyntaxError:
        pass
    parser = _parser(recover=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise FeedParseError(f"the feed is not well-formed XML: {strict_error}")
    entities = _entities_as_text(root)
    if entities:
        shown = ", ".join(sorted(set(entities))[:MAX_REPAIRS_LISTED])
        count = f"{len(entities)} undefined entit{'y' if len(entities) == 1 else 'ies'}"
        repairs.append(f"read {count} ({shown}) as the character HTML gives it, or else as plain text")
    others = [error for error in parser.error_log if error.type_name != "ERR_UNDECLARED_ENTITY"]
    for error in others[:MAX_REPAIRS_LISTED]:
        repairs.append(f"repaired line {error.line}: {error.message}")
    if len(others) > MAX_REPAIRS_LISTED:
        repairs.append(f"and {len(others) - MAX_REPAIRS_LISTED} more XML slips repaired")
    return root, repairs
