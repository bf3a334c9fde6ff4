"""Rows typed in the row editors, read into the shapes the domain took from ``Label | url`` lines."""
from __future__ import annotations

import pytest

from podcaster.content.credits import CreditLineError, credits_from_rows
from podcaster.content.links import LinkError, links_from_rows


def test_link_rows_skip_empty_rows_and_keep_the_order():
    rows = [("", ""), (" Shop ", "https://shop.example "), ("", " "), ("Blog", "http://blog.example")]
    assert links_from_rows(rows) == [{"label": "Shop", "url": "https://shop.example"},
                                     {"label": "Blog", "url": "http://blog.example"}]


@pytest.mark.parametrize("rows, message", [
    ([("", ""), ("", "https://x.example")], "Row 2: give the link a label"),
    ([("Shop", "")], "Row 1 (“Shop”) has no address."),
    ([("Shop", "javascript:alert(1)")], "Row 1: 'javascript:alert(1)' is not a web address"),
])
def test_a_bad_link_row_is_named(rows, message):
    with pytest.raises(LinkError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        links_from_rows(rows)


def test_people_rows_keep_role_and_link_and_name_the_bad_row():
    assert credits_from_rows([("Bo Reed", "Guest", "https://bo.example"), ("", "", ""), ("Ada", "", "")]) == \
        [("Bo Reed", "guest", "https://bo.example"), ("Ada", "", "")]
    with pytest.raises(CreditLineError, match="^Row 2 has no name"):
        credits_from_rows([("Ada", "host", ""), ("", "guest", "")])
    with pytest.raises(CreditLineError, match="^Row 1: “boss” is not a known person role"):
        credits_from_rows([("Ada", "boss", "")], "person")
