"""Form for a video in the YouTube list."""
from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ...content.youtube import YouTubeURLError, parse_video_id
from . import TextForm
from .books import coerce_optional_int


def validate_youtube_url(form, field) -> None:
    """Any common YouTube link form; the id goes to ``form.video_id``."""
    try:
        form.video_id = parse_video_id(field.data or "")
    except YouTubeURLError as exc:
        raise ValidationError(str(exc)) from exc


class VideoForm(TextForm):
    url = StringField("YouTube link", validators=[DataRequired(message="Paste the link of a YouTube video."),
                                                  Length(max=500), validate_youtube_url])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    description = TextAreaField("Description", validators=[Length(max=20_000)])
    published_on = DateField("Published on", validators=[Optional()])
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(min=0, max=100_000)])
    author_id = SelectField("Author", coerce=coerce_optional_int)
    book_id = SelectField("About the book", coerce=coerce_optional_int)
    episode_id = SelectField("Related episode", coerce=coerce_optional_int)
    submit = SubmitField("Save")

    video_id: str = ""
