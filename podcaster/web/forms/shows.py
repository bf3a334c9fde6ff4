"""Forms for podcast shows and episodes."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ...content import directories
from ...content.categories import APPLE_CATEGORIES, SEPARATOR, InvalidCategory, split_choice
from ...content.slugs import SLUG_RE
from ...content.text import LONG_TEXT_MAX
from ...models import EpisodeType, ShowType, Status
from ..timezones import SiteDateTimeField
from . import ScheduledForm, TextForm
from .rows import credit_rows, link_rows, people_validator, person_rows, validate_link_rows
from .site import CheckboxesField

STATUS_CHOICES = [
    (Status.DRAFT.value, "Draft (not public)"),
    (Status.SCHEDULED.value, "Scheduled (public at the time below)"),
    (Status.PUBLISHED.value, "Published"),
]
EXPLICIT_CHOICES = [("", "Same as the show"), ("yes", "Explicit"), ("no", "Clean")]
#: A plain check (no extra dependency): one @, a dot in the domain, no spaces.
EMAIL_RE = directories.EMAIL_RE.pattern
AUDIO_ACCEPT = "audio/mpeg,audio/mp4,audio/x-m4a,audio/aac,.mp3,.m4a"
TRANSCRIPT_ACCEPT = ".srt,.vtt,text/vtt,application/x-subrip"
IMAGE_ACCEPT = "image/jpeg,image/png"
LANGUAGES = [("en", "English"), ("en-GB", "English (UK)"), ("en-US", "English (US)"), ("fr", "French"),
             ("de", "German"), ("es", "Spanish"), ("it", "Italian"), ("pt", "Portuguese"), ("nl", "Dutch"),
             ("sv", "Swedish"), ("da", "Danish"), ("no", "Norwegian"), ("fi", "Finnish"), ("pl", "Polish"),
             ("ja", "Japanese"), ("zh", "Chinese")]


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def category_select_choices() -> list[SelectChoice]:
    """Apple's categories grouped under their top-level category (each group offers the category itself first)."""
    options = []
    for category, subcategories in APPLE_CATEGORIES.items():
        options.append(SelectChoice(category, f"{category} (no subcategory)" if subcategories else category,
                                    optgroup=category))
        options += [SelectChoice(f"{category}{SEPARATOR}{sub}", sub, optgroup=category) for sub in subcategories]
    return options


def _slug_field() -> StringField:
    return StringField("Slug", validators=[
        Optional(), Length(max=200),
        Regexp(SLUG_RE, message="Use lowercase letters, digits and single hyphens only (like my-first-episode)."),
    ], filters=[lambda value: value.strip().lower() if value else value])


class ShowForm(TextForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    slug = _slug_field()
    subtitle = StringField("Subtitle", validators=[Length(max=300)])
    description = TextAreaField("Description (Markdown)", validators=[DataRequired(), Length(max=4000)])
    artwork = FileField("Artwork")
    artwork_held = HiddenField(validators=[Length(max=4000)])
    language = SelectField("Language", choices=choices(LANGUAGES), default="en")
    category = SelectField("Apple Podcasts category", choices=category_select_choices(), default="Arts")
    explicit = BooleanField("Explicit content")
    author_name = StringField("Author (as shown in podcast apps)", validators=[DataRequired(), Length(max=200)])
    owner_name = StringField("Owner name", validators=[Length(max=200)])
    owner_email = EmailField("Owner email", validators=[Optional(), Regexp(EMAIL_RE, message="Enter a valid email address."),
                                                        Length(max=254)])
    copyright = StringField("Copyright", validators=[Length(max=300)])
    show_type = SelectField("Type", choices=choices([(ShowType.EPISODIC.value, "Episodic (newest first)"),
                                                     (ShowType.SERIAL.value, "Serial (oldest first)")]),
                            default=ShowType.EPISODIC.value)
    website_url = URLField("Website", validators=[Optional(), URL(message="Enter a full web address."),
                                                  Length(max=500)])
    apple_podcasts_url = URLField("Apple Podcasts page", validators=[
        Optional(), URL(message="Enter a full web address."), Length(max=500)])
    spotify_url = URLField("Spotify page", validators=[Optional(), URL(message="Enter a full web address."),
                                                       Length(max=500)])
    funding = link_rows("Funding links")
    credits = credit_rows("Credits (authors on this site)")
    locked = BooleanField("Locked (other podcast hosts may not import this feed)", default=True)
    complete = BooleanField("Complete (no more episodes will be published)")
    new_feed_url = URLField("New feed URL (only when the podcast moved elsewhere)",
                            validators=[Optional(), URL(message="Enter a full web address."), Length(max=500)])
    tag_mp3 = BooleanField("Write ID3 tags (title, author, show, cover, chapters) into uploaded MP3s", default=True)
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(min=0, max=100_000)])
    submit = SubmitField("Save")

    def validate_category(self, field) -> None:
        try:
            field.pair = split_choice(field.data or "")
        except InvalidCategory as exc:
            raise ValidationError(str(exc)) from exc

    def validate_funding(self, field) -> None:
        validate_link_rows(self, field)

    validate_credits = people_validator("credit")


class EpisodeForm(ScheduledForm):
    item_name = "episode"

    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    slug = _slug_field()
    audio = FileField("Audio file")
    audio_held = HiddenField(validators=[Length(max=4000)])
    notes = TextAreaField("Show notes (Markdown)", validators=[Length(max=LONG_TEXT_MAX)])
    summary = TextAreaField("Short summary (plain text)", validators=[Length(max=4000)])
    artwork = FileField("Episode artwork")
    artwork_held = HiddenField(validators=[Length(max=4000)])
    remove_artwork = BooleanField("Remove the episode artwork (use the show's)")
    # The lower bounds (and uniqueness) are the domain's numbering rules, checked by the view
    # through ``podcasts.check_episode_numbering`` like every other way episodes arrive.
    season = IntegerField("Season", validators=[Optional(), NumberRange(max=10_000)])
    number = IntegerField("Episode number", validators=[Optional(), NumberRange(max=1_000_000)])
    episode_type = SelectField("Episode type", choices=choices([(EpisodeType.FULL.value, "Full episode"),
                                                                (EpisodeType.TRAILER.value, "Trailer"),
                                                                (EpisodeType.BONUS.value, "Bonus")]),
                               default=EpisodeType.FULL.value)
    explicit = SelectField("Explicit", choices=choices(EXPLICIT_CHOICES), default="")
    status = SelectField("Status", choices=choices(STATUS_CHOICES), default=Status.DRAFT.value)
    publish_at = SiteDateTimeField("Publication time", validators=[Optional()])
    transcript = FileField("Transcript (SRT or WebVTT)")
    remove_transcript = BooleanField("Remove the transcript")
    chapters = FileField("Chapters (Podcast Index JSON)")
    remove_chapters = BooleanField("Remove the chapters")
    books = CheckboxesField("Books discussed", coerce=int, validators=[Optional()])
    guests = person_rows("Guests and other people")
    submit = SubmitField("Save")

    validate_guests = people_validator("person")
