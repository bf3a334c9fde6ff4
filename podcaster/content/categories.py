"""Apple Podcasts categories: the only values ``itunes:category`` may carry.

Apple lists 19 top-level categories; most have subcategories. A show picks one
category and, optionally, one of its subcategories. The list below follows
Apple's current one (the 2019 revision, still in force), spelled exactly as the
feed must carry it ("&" included, escaped by the XML writer).
"""
from __future__ import annotations

APPLE_CATEGORIES: dict[str, list[str]] = {
    "Arts": ["Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"],
    "Business": ["Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"],
    "Comedy": ["Comedy Interviews", "Improv", "Stand-Up"],
    "Education": ["Courses", "How To", "Language Learning", "Self-Improvement"],
    "Fiction": ["Comedy Fiction", "Drama", "Science Fiction"],
    "Government": [],
    "Health & Fitness": [
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ],
    "History": [],
    "Kids & Family": ["Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"],
    "Leisure": [
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ],
    "Music": ["Music Commentary", "Music History", "Music Interviews"],
    "News": [
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ],
    "Religion & Spirituality": [
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ],
    "Science": [
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ],
    "Society & Culture": [
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ],
    "Sports": [
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ],
    "Technology": [],
    "True Crime": [],
    "TV & Film": ["After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"],
}

#: The value the form uses for "category, no subcategory" and for a subcategory:
#: "Category" or "Category > Subcategory".
SEPARATOR = " > "


class InvalidCategory(ValueError):
    """A category or subcategory that is not in Apple's list."""


def is_valid_category(category: str, subcategory: str = "") -> bool:
    """Tell whether ``category`` (and ``subcategory``, when given) is in Apple's list.

    Args:
        category: A top-level category, e.g. "Religion & Spirituality".
        subcategory: One of its subcategories, or "" for none.

    Returns:
        True when the pair is one Apple accepts.
    """
    if category not in APPLE_CATEGORIES:
        return False
    return not subcategory or subcategory in APPLE_CATEGORIES[category]


def category_choices() -> list[tuple[str, str]]:
    """List every accepted choice as (value, label) pairs for a select box.

    Returns:
        One entry per category followed by one per subcategory, with the value
        "Category" or "Category > Subcategory".
    """
    choices: list[tuple[str, str]] = []
    for category, subcategories in APPLE_CATEGORIES.items():
        choices.append((category, category))
        for subcategory in subcategories:
            value = f"{category}{SEPARATOR}{subcategory}"
            choices.append((value, f"{category} \u203a {subcategory}"))
    return choices


def split_choice(value: str) -> tuple[str, str]:
    """Turn a select value back into (category, subcategory).

    Args:
        value: "Category" or "Category > Subcategory".

    Returns:
        The category and the subcategory ("" when none).

    Raises:
        InvalidCategory: When the pair is not in Apple's list.
    """
    category, _, subcategory = value.partition(SEPARATOR)
    category, subcategory = category.strip(), subcategory.strip()
    if not is_valid_category(category, subcategory):
        raise InvalidCategory(f"{value!r} is not one of Apple's podcast categories.")
    return category, subcategory


def join_choice(category: str, subcategory: str = "") -> str:
    """Build the select value for a stored (category, subcategory) pair."""
    return f"{category}{SEPARATOR}{subcategory}" if subcategory else category
