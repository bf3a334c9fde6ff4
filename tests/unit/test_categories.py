"""Apple's podcast categories: the list, and the form refusing anything else."""
from __future__ import annotations

import pytest

from podcaster.content.categories import (
    APPLE_CATEGORIES,
    InvalidCategory,
    category_choices,
    is_valid_category,
    join_choice,
    split_choice,
)


def test_the_list_is_apples_current_one():
    assert len(APPLE_CATEGORIES) == 19
    assert sum(len(subs) for subs in APPLE_CATEGORIES.values()) == 91  # 110 entries in all
    assert "Religion" in APPLE_CATEGORIES["Religion & Spirituality"]
    assert APPLE_CATEGORIES["True Crime"] == [] and APPLE_CATEGORIES["Technology"] == []
    assert "Animation & Manga" in APPLE_CATEGORIES["Leisure"]
    # Categories retired in 2019 are gone.
    assert "Games & Hobbies" not in APPLE_CATEGORIES and "Podcasting" not in APPLE_CATEGORIES["Technology"]


@pytest.mark.parametrize("value, pair", [
    ("Arts", ("Arts", "")),
    ("Religion & Spirituality > Religion", ("Religion & Spirituality", "Religion")),
    ("Society & Culture > Places & Travel", ("Society & Culture", "Places & Travel")),
])
def test_choices_round_trip(value, pair):
    assert split_choice(value) == pair
    assert join_choice(*pair) == value
    assert value in dict(category_choices())


@pytest.mark.parametrize("value", ["Podcasting", "Arts > Tech News", "Technology > Gadgets", "", "arts"])
def test_unknown_categories_are_refused(value):
    with pytest.raises(InvalidCategory):
        split_choice(value)


def test_subcategory_must_belong_to_its_category():
    assert is_valid_category("News", "Tech News")
    assert not is_valid_category("Technology", "Tech News")

