"""Row editors: repeated rows of small inputs (links, people) in place of ``Label | url`` lines.

Each editor is a WTForms ``FieldList`` of ``FormField`` rows. The page offers a few empty rows so
it works without JavaScript (empty a row to remove it); ``static/js/admin.js`` adds rows and moves
them up and down. The form's validator turns the rows into what the domain took from the lines
(``content.links.links_from_rows``, ``content.credits.credits_from_rows``), naming the bad row.
"""
from __future__ import annotations

from types import SimpleNamespace

from wtforms import FieldList, Form, FormField, SelectChoice, SelectField, StringField, URLField
from wtforms.validators import ValidationError

from ...content import credits
from ...content.links import MAX_LINKS, LinkError, links_from_rows
from ...content.text import TITLE_MAX, forbidden_message
from . import URL_MAX

#: Empty rows offered below the filled ones, for adding without JavaScript.
SPARE_ROWS = 2
ROLE_CHOICES = [SelectChoice("", "—")] + [SelectChoice(role, role.capitalize()) for role in credits.PERSON_ROLES]


class LinkRow(Form):
    """One labelled link; a plain Form because the page's form carries the CSRF token."""

    label = StringField("Label")
    url = URLField("Address")


class CreditRow(Form):
    """One author of the site credited on a show."""

    name = StringField("Name")
    # Unknown roles reach credits_from_rows, whose refusal lists the known ones.
    role = SelectField("Role", choices=ROLE_CHOICES, default="", validate_choice=False)


class PersonRow(CreditRow):
    """One person on an episode, with an optional link."""

    url = URLField("Link")


def row_list(row: type[Form], label: str, max_rows: int) -> FieldList:
    """A row editor field of ``row`` forms (room for ``max_rows`` plus the spare rows)."""
    return FieldList(FormField(row), label, min_entries=0, max_entries=max_rows + SPARE_ROWS)


def link_rows(label: str) -> FieldList:
    return row_list(LinkRow, label, MAX_LINKS)


def credit_rows(label: str) -> FieldList:
    return row_list(CreditRow, label, credits.MAX_PEOPLE)


def person_rows(label: str) -> FieldList:
    return row_list(PersonRow, label, credits.MAX_PEOPLE)


def fill_rows(field: FieldList, items: list[dict]) -> None:
    """Show ``items`` (dicts keyed like the row's inputs) as rows, then the spare empty rows."""
    while field.entries:
        field.pop_entry()
    for item in items:
        field.append_entry(SimpleNamespace(**item))
    add_spare_rows(field)


def add_spare_rows(field: FieldList) -> None:
    """Append empty rows, for adding items without JavaScript."""
    for _ in range(SPARE_ROWS):
        if field.max_entries is None or len(field.entries) < field.max_entries:
            field.append_entry()


def _is_blank(row: FormField) -> bool:
    """True when no input of the row says anything: empty text, no choice, or the choice it starts with."""
    return all(value.data in (None, "", 0, value.default) for value in row)


def end_with_one_blank_row(field: FieldList) -> FieldList:
    """After a refused submit: the rows as entered, then exactly one blank row (room allowing).

    Called by the ``row_editor`` macro, the one place every row editor goes through whatever refused the
    submit (a form validator or the domain), so an author without JavaScript can still add an item. Only
    trailing blank rows are dropped: a row emptied in the middle stays, so the row numbers the refusal
    names still point at the right rows.

    Args:
        field: a row editor's ``FieldList`` of ``FormField`` rows, as submitted.

    Returns:
        The same field, for use in a template expression.
    """
    while len(field.entries) > 1 and _is_blank(field.entries[-1]) and _is_blank(field.entries[-2]):
        field.pop_entry()
    room = field.max_entries is None or len(field.entries) < field.max_entries
    if room and (not field.entries or not _is_blank(field.entries[-1])):
        first = field.entries[0] if field.entries else None
        fresh = field.append_entry()
        for value in fresh:
            # Choices set by the view at run time (the book's authors) are not on the row class.
            if isinstance(value, SelectField) and value.choices is None and first is not None:
                value.choices = first[value.short_name].choices
    return field


def check_row_text(field: FieldList) -> None:
    """The text rules of ``TextForm`` for every input of every row (``TextForm`` sees only the list).

    Raises:
        ValidationError: naming the editor and the row.
    """
    for number, row in enumerate(field, start=1):
        where = f"{field.label.text}, row {number},"
        for value_field in row:
            value = value_field.data if isinstance(value_field.data, str) else ""
            message = forbidden_message(value, where)
            if message:
                raise ValidationError(message)
            cap = URL_MAX if isinstance(value_field, URLField) else TITLE_MAX
            if len(value) > cap:
                raise ValidationError(f"Row {number} of {field.label.text}: at most {cap} characters, please "
                                      f"(this has {len(value)}).")


def validate_link_rows(form, field: FieldList) -> None:
    """Check the rows as links; the list the domain takes goes to ``field.links``.

    Raises:
        ValidationError: naming the bad row.
    """
    check_row_text(field)
    try:
        field.links = links_from_rows([(row.form.label.data, row.form.url.data) for row in field])
    except LinkError as exc:
        raise ValidationError(str(exc)) from exc


def people_validator(role_label: str):
    """A validator checking the rows as people; the ``(name, role, url)`` triples go to ``field.people``."""
    def validate(form, field: FieldList) -> None:
        check_row_text(field)
        # row.form: a FormField's own name and label would shadow the inputs called name and label.
        rows = [(row.form.name.data, row.form.role.data, row.form.url.data if "url" in row.form else "")
                for row in field]
        try:
            field.people = credits.credits_from_rows(rows, role_label)
        except credits.CreditLineError as exc:
            raise ValidationError(str(exc)) from exc
    return validate
