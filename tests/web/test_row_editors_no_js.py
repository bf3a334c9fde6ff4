"""Row editors without JavaScript: a refused submit shows the rows entered and one blank row for another."""
from __future__ import annotations

from lxml import html as lxml_html

from podcaster.extensions import db
from podcaster.models import Author

from ..helpers.authoring import author_data, book_data
from ..helpers.podcasts import artwork_upload, episode_data, show_data
from ..helpers.web import CREDIT_COLUMNS, PERSON_COLUMNS, post_form, row_fields

TWO_LINKS = [("Shop", "https://shop.example/a"), ("Other shop", "https://shop.example/b")]
TWO_PEOPLE = [("Ada Quill", "host", "https://ada.example"), ("Bo Reed", "guest", "https://bo.example")]


def submitted_rows(page: str, editor: str) -> list[dict[str, str]]:
    """Each row of ``editor`` on the page, as {input name suffix: value} in page order."""
    tree = lxml_html.fromstring(page)
    fieldset = tree.xpath(f'//fieldset[@data-row-editor="{editor}"]')
    assert fieldset, f"no row editor {editor} on the page"
    rows = []
    for row in fieldset[0].xpath('.//li[contains(@class, "row")]'):
        values = {}
        for control in row.xpath(".//input | .//select"):
            suffix = control.get("name").split("-", 2)[2]
            if control.tag == "select":
                chosen = control.xpath("./option[@selected]/@value")
                values[suffix] = chosen[0] if chosen else ""
            else:
                values[suffix] = control.get("value") or ""
        rows.append(values)
    return rows


def blank(row: dict[str, str]) -> bool:
    return all(value in ("", "0", "author") for value in row.values())


# Each case: the form, its data with every offered row filled and the title (or name) left out, the editor.
CASES = {
    "author links": (
        "/admin/authors/new", lambda ids: author_data(name="", **row_fields("links", TWO_LINKS)), "links"),
    "book buy links": (
        "/admin/books/new", lambda ids: book_data(title="", **row_fields("buy_links", TWO_LINKS)),
        "buy_links"),
    "book contributors": (
        "/admin/books/new",
        lambda ids: book_data(contributors=[(ids["author"], "author"), (ids["author"], "editor")], title=""),
        "contributors"),
    "show funding": (
        "/admin/shows/new",
        lambda ids: show_data(title="", artwork=artwork_upload(), **row_fields("funding", TWO_LINKS)),
        "funding"),
    "show credits": (
        "/admin/shows/new",
        lambda ids: show_data(title="", artwork=artwork_upload(),
                              **row_fields("credits", TWO_PEOPLE, CREDIT_COLUMNS)), "credits"),
    "episode guests": (
        "/admin/shows/{show}/episodes/new",
        lambda ids: episode_data(title="", **row_fields("guests", TWO_PEOPLE, PERSON_COLUMNS)), "guests"),
}


def test_refused_submit_keeps_the_rows_and_offers_one_blank_row(app, client, show):
    author = post_form(client, "/admin/authors/new", author_data(name="Ada Quill"))
    assert author.status_code == 302
    with app.app_context():
        ids = {"author": db.session.scalar(db.select(Author.id))}
    # One app for every editor: each case is one request, the app's setup is the cost.
    for case, (url, data, editor) in CASES.items():
        response = post_form(client, url.format(show=show.id), data(ids), content_type="multipart/form-data")

        assert response.status_code in (400, 422), case
        rows = submitted_rows(response.get_data(as_text=True), editor)
        assert len(rows) == 3, (case, rows)
        assert not any(blank(row) for row in rows[:2]), (case, rows)
        assert blank(rows[2]), (case, rows)
        if editor == "contributors":
            assert rows[1]["role"] == "editor"
