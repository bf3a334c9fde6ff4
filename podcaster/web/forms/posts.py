"""Form for blog posts."""
from __future__ import annotations

from wtforms import (
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...content.text import LONG_TEXT_MAX
from ...models import Status
from ..timezones import SiteDateTimeField
from . import ScheduledForm
from .authors import slug_field
from .books import coerce_optional_int
from .site import CheckboxesField

STATUS_CHOICES = [
    SelectChoice(Status.DRAFT.value, "Draft (not public)"),
    SelectChoice(Status.SCHEDULED.value, "Scheduled (public at the time below)"),
    SelectChoice(Status.PUBLISHED.value, "Published"),
]
MAX_TAGS = 30


def split_tags(text: str | None) -> list[str]:
    """Comma-separated tag names, trimmed, without empties or repeats (case-insensitive)."""
    names, seen = [], set()
    for name in (text or "").split(","):
        name = " ".join(name.split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name[:100])
    return names


class PostForm(ScheduledForm):
    item_name = "post"

    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    slug = slug_field()
    body = TextAreaField("Text (Markdown)", validators=[Length(max=LONG_TEXT_MAX)])
    excerpt = TextAreaField("Excerpt", validators=[Length(max=2000)])
    author_id = SelectField("Author", coerce=coerce_optional_int)
    tags = StringField("Tags", validators=[Length(max=1000)])
    books = CheckboxesField("Books mentioned", coerce=int, validators=[Optional()])
    status = SelectField("Status", choices=STATUS_CHOICES, default=Status.DRAFT.value)
    publish_at = SiteDateTimeField("Publication time", validators=[Optional()])
    submit = SubmitField("Save")

    def validate_tags(self, field) -> None:
        if len(split_tags(field.data)) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags, please.")
