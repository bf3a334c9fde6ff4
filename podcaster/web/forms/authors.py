"""Forms for author profiles."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ...content.slugs import SLUG_RE
from . import TextForm
from .rows import link_rows, validate_link_rows

SLUG_HINT = "Lowercase letters, digits and hyphens; left empty, it is made from the title."
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


def slug_field(label: str = "Slug") -> StringField:
    return StringField(label, validators=[
        Optional(), Length(max=200),
        Regexp(SLUG_RE, message="Use lowercase letters, digits and single hyphens only (like my-first-book)."),
    ], filters=[lambda value: value.strip().lower() if value else value])


class AuthorForm(TextForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = slug_field()
    short_bio = TextAreaField("Short bio", validators=[Length(max=2000)])
    bio = TextAreaField("Full bio", validators=[Length(max=100_000)])
    photo = FileField("Photo")
    remove_photo = BooleanField("Remove the current photo")
    website_url = URLField("Website or blog", validators=[Optional(), URL(message="Enter a full web address."),
                                                          Length(max=500)])
    youtube_url = URLField("YouTube channel", validators=[Optional(), URL(message="Enter a full web address."),
                                                          Length(max=500)])
    links = link_rows("Other links")
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(min=0, max=100_000)])
    is_main = BooleanField("This is the site's main author (shown on the home and About pages)")
    submit = SubmitField("Save")

    def validate_links(self, field) -> None:
        validate_link_rows(self, field)
