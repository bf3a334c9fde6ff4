"""Apps, platforms and bots from the Open Podcast Analytics Working Group user-agent list.

The list (``data/user-agents.json``, MIT, see ``data/README.md``) is an array of entries, each with
``user_agents`` (regular expressions) and optionally ``app``, ``os``, ``device`` and ``bot``. A user agent
takes the app and platform of the first entry that matches and names them; it is a bot when any matching
entry says so. Apple Watch requests are excluded like bots: the IAB guidelines (2020) leave them out,
since the watch re-downloads what the phone already fetched.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SHIPPED_LIST = Path(__file__).with_name("data") / "user-agents.json"

#: How the list's ``os`` slugs are shown; other slugs are shown as they are.
PLATFORM_NAMES = {
    "ios": "iOS", "ipados": "iPadOS", "android": "Android", "macos": "macOS", "windows": "Windows",
    "linux": "Linux", "chromeos": "ChromeOS", "watchos": "watchOS", "tvos": "tvOS", "alexa": "Alexa",
    "kaios": "KaiOS", "homepodos": "HomePod", "roku": "Roku", "sonos": "Sonos",
}
UNKNOWN_APP = "Other"
#: Cached verdicts: a log repeats the same few hundred user agents, each is matched once.
CACHE_SIZE = 4096


class AgentListError(ValueError):
    """The file is not a user-agent list of the OPAWG format (the message says where)."""


@dataclass(frozen=True, slots=True)
class Agent:
    """What a user agent says: the app ("Other" when unknown), the platform ("" when unknown), and whether
    its downloads are left out (a bot, a non-listener or an Apple Watch)."""

    app: str
    platform: str
    excluded: bool


@dataclass(frozen=True, slots=True)
class _Entry:
    pattern: re.Pattern
    app: str | None
    platform: str | None
    excluded: bool


def _entries(data) -> list[_Entry]:
    if not isinstance(data, list) or not data:
        raise AgentListError("the list must be a non-empty JSON array of entries")
    entries = []
    for number, item in enumerate(data, 1):
        patterns = item.get("user_agents") if isinstance(item, dict) else None
        if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
            raise AgentListError(f"entry {number} has no user_agents list of patterns")
        try:
            pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
        except re.error as error:
            raise AgentListError(f"entry {number} has a pattern Python cannot read: {error}") from None
        os_slug = item.get("os")
        watch = item.get("device") == "watch" and os_slug == "watchos"
        entries.append(_Entry(pattern, item.get("app") or None,
                              PLATFORM_NAMES.get(os_slug, os_slug) if os_slug else None,
                              bool(item.get("bot")) or watch))
    return entries


class AgentList:
    """The compiled list; ``classify`` answers from a cache of recent user agents.

    Args:
        data: the list's JSON data (an array of entries).

    Raises:
        AgentListError: the data is not a list of that format.
    """

    def __init__(self, data) -> None:
        self._entries = _entries(data)
        self.classify = lru_cache(maxsize=CACHE_SIZE)(self._classify)

    @classmethod
    def load(cls, path: Path = SHIPPED_LIST) -> AgentList:
        """Read the list from a JSON file (the shipped one by default).

        Raises:
            AgentListError: unreadable, not JSON, or not of the list's format.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise AgentListError(f"cannot read {path}: {error}") from None
        return cls(data)

    def __len__(self) -> int:
        return len(self._entries)

    def _classify(self, user_agent: str) -> Agent:
        user_agent = user_agent.replace("\n", " ").replace("\r", " ")
        app = platform = None
        excluded = False
        for entry in self._entries:
            if entry.pattern.search(user_agent):
                excluded = excluded or entry.excluded
                app = app or entry.app
                platform = platform or entry.platform
        return Agent(app or UNKNOWN_APP, platform or "", excluded)


@lru_cache(maxsize=1)
def _shipped(path: str, mtime_ns: int) -> AgentList:
    return AgentList.load(Path(path))


def shipped_list(path: Path = SHIPPED_LIST) -> AgentList:
    """The list in ``path``, compiled once per version of the file (a refresh is picked up)."""
    return _shipped(str(path), os.stat(path).st_mtime_ns)


def refreshed_path(configured: str | None, instance_path: str) -> Path:
    """Where the refreshed list lives: ``USER_AGENTS_FILE``, by default ``<instance>/user-agents.json``."""
    return Path(configured or os.path.join(instance_path, "user-agents.json"))


def current_list(refreshed: Path | None) -> AgentList:
    """The refreshed list (``podcaster stats refresh-agents`` writes it) when there is one, else the shipped one."""
    if refreshed is not None and Path(refreshed).is_file():
        return shipped_list(Path(refreshed))
    return shipped_list()


def replace_list(source: Path, target: Path) -> int:
    """Put ``source`` at ``target`` (the refreshed list) after checking it compiles; written atomically.

    The shipped file is never changed: the package may be read-only, and deleting ``target`` goes back to it.

    Returns:
        The number of entries of the new list.

    Raises:
        AgentListError: ``source`` is not a usable list (the old list stays).
    """
    entries = len(AgentList.load(source))
    data = Path(source).read_bytes()
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=Path(target).parent, prefix=".user-agents-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return entries
