"""What podcast directories (Apple Podcasts first, Spotify alike) need before they list a show.

Apple refuses a feed without square artwork of 1400 to 3000 pixels, an owner email, a category, a
description and a language; the feed doctor reports these on a feed that exists. The new-show form
checks them before the show is created, and shows the same list as a checklist.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: The email check the show form uses: one @, a dot in the domain, no spaces.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Requirement:
    """One thing the directories need.

    Attributes:
        field: the show field it is about (the form puts ``problem`` there).
        need: what is needed, in one sentence, for the checklist.
        met: whether the show has it.
        problem: what to do when it is missing.
    """

    field: str
    need: str
    met: bool
    problem: str


def directory_requirements(*, has_artwork: bool, owner_email: str, category: str, description: str,
                           language: str) -> list[Requirement]:
    """The checklist for a show with these values, in the order of the form.

    Args:
        has_artwork: whether acceptable artwork was given (``content.images.ARTWORK`` checks its size).
        owner_email: the owner's email (Apple writes to it to confirm ownership).
        category: the Apple category chosen.
        description: the show's description.
        language: the language code.

    Returns:
        Every requirement, met or not.
    """
    return [
        Requirement("artwork", "Square artwork, 1400 to 3000 pixels, JPEG or PNG in RGB.", has_artwork,
                    "Choose the show’s artwork: Apple Podcasts lists no show without it."),
        Requirement("description", "A description of what the show is about.", bool(description.strip()),
                    "Describe the show: directories show this text and refuse a feed without it."),
        Requirement("category", "An Apple Podcasts category.", bool(category.strip()),
                    "Choose a category: directories file the show under it."),
        Requirement("language", "The language the show is spoken in.", bool(language.strip()),
                    "Choose the show’s language."),
        Requirement("owner_email", "An owner email, to which Apple sends the ownership check.",
                    bool(EMAIL_RE.match(owner_email.strip())),
                    "Enter the owner’s email: Apple Podcasts sends its verification there."),
    ]


def unmet(requirements: list[Requirement]) -> list[Requirement]:
    """The requirements not met yet."""
    return [requirement for requirement in requirements if not requirement.met]
