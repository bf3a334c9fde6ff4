"""The site settings form."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...content.site import NAV_SECTIONS
from ...content.subscribe import APPS
from . import TextForm
from .rows import link_rows, validate_link_rows


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes, each with its own label (usable without a Ctrl-click)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SiteSettingsForm(TextForm):
    title = StringField("Site title", validators=[DataRequired(), Length(max=200)])
    tagline = StringField("Tagline", validators=[Length(max=300)])
    logo = FileField("Logo")
    remove_logo = BooleanField("Remove the current logo")
    favicon = FileField("Favicon")
    remove_favicon = BooleanField("Remove the current favicon")
    accent_color = StringField("Accent colour", validators=[Length(max=7)])
    main_author_id = SelectField("Main author", coerce=int, validators=[Optional()])
    nav_sections = CheckboxesField("Sections in the navigation", choices=[SelectChoice(key, label) for key, label in NAV_SECTIONS])
    footer_text = TextAreaField("Footer text", validators=[Length(max=2000)])
    social_links = link_rows("Social links")
    time_zone = StringField("Time zone", validators=[DataRequired(), Length(max=64)])
    subscribe_apps = CheckboxesField("Subscribe buttons offered",
                                     choices=[SelectChoice(key, app.label) for key, app in APPS.items()])
    submit = SubmitField("Save settings")

    def validate_social_links(self, field) -> None:
        validate_link_rows(self, field)
