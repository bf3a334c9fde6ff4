"""Forms for books and their contributors."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ...content.isbn import ISBNError, normalize_isbn
from ...models import ContributorRole
from . import TextForm
from .authors import slug_field
from .rows import link_rows, validate_link_rows

ROLE_CHOICES = [SelectChoice(role.value, role.value.replace("-", " ").capitalize()) for role in ContributorRole]
#: Empty contributor rows offered below the filled ones.
SPARE_CONTRIBUTOR_ROWS = 3
MAX_CONTRIBUTORS = 200


def optional_choices(pairs: list[tuple[int, str]], empty: str = "—") -> list[SelectChoice]:
    """Select options for ``(id, label)`` pairs, after an empty first option (value 0)."""
    return [SelectChoice(0, empty)] + [SelectChoice(value, label) for value, label in pairs]


def coerce_optional_int(value) -> int:
    """Select values to int, with "" (no choice) as 0."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class ContributorRow(Form):
    """One credited author; a plain Form because the book form carries the CSRF token."""

    author_id = SelectField("Author", coerce=coerce_optional_int, validate_choice=True)
    role = SelectField("Role", choices=ROLE_CHOICES, default=ContributorRole.AUTHOR.value)


def validate_isbn(form, field) -> None:
    """Accept ISBN-10/13 with hyphens or spaces; ``field.data`` becomes digits only."""
    try:
        field.data = normalize_isbn(field.data or "")
    except ISBNError as exc:
        raise ValidationError(str(exc)) from exc


class BookForm(TextForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    subtitle = StringField("Subtitle", validators=[Length(max=300)])
    slug = slug_field()
    pub_year = IntegerField("Year of publication", validators=[Optional(), NumberRange(min=1400, max=2200)])
    pub_date = DateField("Publication date", validators=[Optional()])
    isbn = StringField("ISBN", validators=[Length(max=40), validate_isbn])
    publisher = StringField("Publisher", validators=[Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=100_000)])
    cover = FileField("Cover image")
    remove_cover = BooleanField("Remove the current cover")
    buy_links = link_rows("Where to buy")
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(min=0, max=100_000)])
    contributors = FieldList(FormField(ContributorRow), min_entries=0, max_entries=MAX_CONTRIBUTORS)
    submit = SubmitField("Save")

    def set_author_choices(self, choices: list[tuple[int, str]]) -> None:
        """Offer ``choices`` in every contributor row, with an empty first choice."""
        for row in self.contributors:
            row.author_id.choices = optional_choices(choices)

    def add_spare_rows(self, choices: list[tuple[int, str]]) -> None:
        """Append empty rows so more contributors can be added on this save."""
        for _ in range(SPARE_CONTRIBUTOR_ROWS):
            if len(self.contributors) < MAX_CONTRIBUTORS:
                self.contributors.append_entry()
        self.set_author_choices(choices)

    def validate_buy_links(self, field) -> None:
        validate_link_rows(self, field)

    def validate_contributors(self, field) -> None:
        """The same author twice in the same role is a mistake."""
        seen = set()
        for row in field:
            key = (row.author_id.data, row.role.data)
            if row.author_id.data and key in seen:
                raise ValidationError("The same author is listed twice with the same role.")
            seen.add(key)

    def chosen_contributors(self) -> list[tuple[int, str]]:
        """The filled rows as ``(author_id, role)``, in the order shown."""
        return [(row.author_id.data, row.role.data) for row in self.contributors if row.author_id.data]
