"""Subscribe buttons: the RSS feed, the directories the author is listed in, and app deep links.

A deep link (``overcast://``, ``pktc://``) only opens on a device with that app, so each carries the
platforms where the app exists; the page names them and its script hides the others. Apple Podcasts
and Spotify get their directory page when the author set one (it works everywhere); without it
Apple's ``podcast://`` scheme still opens Apple's app on Apple devices, and Spotify has no link at all.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class App:
    """A podcast app or directory that can be offered beside the RSS link."""

    label: str
    #: A deep link made from the feed URL ({feed}, {feed_noscheme}), or "" when there is none.
    deep_link: str
    #: Where the deep link opens: "ios", "macos", "android" (empty: everywhere).
    platforms: tuple[str, ...] = ()
    #: The show attribute holding its directory page, when it has one.
    directory_attr: str = ""


APPS: dict[str, App] = {
    "apple": App("Apple Podcasts", "podcast://{feed_noscheme}", ("ios", "macos"), "apple_podcasts_url"),
    "spotify": App("Spotify", "", (), "spotify_url"),
    "overcast": App("Overcast", "overcast://x-callback-url/add?url={feed}", ("ios",)),
    "pocketcasts": App("Pocket Casts", "pktc://subscribe/{feed_noscheme}", ("ios", "android")),
    "antennapod": App("AntennaPod", "antennapod-subscribe://{feed_noscheme}", ("android",)),
}
DEFAULT_APPS: tuple[str, ...] = tuple(APPS)
PLATFORM_NAMES = {"ios": "iPhone and iPad", "macos": "Mac", "android": "Android"}


@dataclass(frozen=True)
class SubscribeLink:
    """One button: where it goes, and on which platforms it makes sense (empty: all)."""

    key: str
    label: str
    href: str
    platforms: tuple[str, ...] = ()

    @property
    def platform_note(self) -> str:
        """"iPhone and iPad, Mac" for a deep link, "" for a link that works everywhere."""
        return ", ".join(PLATFORM_NAMES[name] for name in self.platforms)


def subscribe_links(feed_url: str, offered: tuple[str, ...] | list[str], show=None) -> list[SubscribeLink]:
    """The app and directory buttons for a feed, in the order of ``APPS`` (the RSS link is not among them).

    Args:
        feed_url: the feed's absolute URL.
        offered: the app keys the author chose in the site settings.
        show: the show, for its directory pages (``apple_podcasts_url``, ``spotify_url``).

    Returns:
        One link per offered app that can be reached: a directory page when set, else the deep link.
    """
    bare = feed_url.split("://", 1)[-1]
    links = []
    for key, app in APPS.items():
        if key not in offered:
            continue
        directory = getattr(show, app.directory_attr, "") if app.directory_attr and show is not None else ""
        if directory:
            links.append(SubscribeLink(key, app.label, directory))
        elif app.deep_link:
            links.append(SubscribeLink(key, app.label, app.deep_link.format(feed=feed_url, feed_noscheme=bare),
                                       app.platforms))
    return links
