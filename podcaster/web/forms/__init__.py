"""Flask-WTF forms, one module per area.

Every admin form derives from ``TextForm``: each of its text fields refuses the
characters XML forbids (one of them takes a feed down) and has a length cap,
so no field is left out by forgetting a validator.
"""
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField, TextAreaField, URLField
from wtforms.validators import Length, ValidationError

from ...content.text import LONG_TEXT_MAX, TITLE_MAX, forbidden_message
from ...models import Status


def no_forbidden_characters(form, field) -> None:
    """WTForms validator: refuse characters XML 1.0 forbids (the message names the field and the character)."""
    message = forbidden_message(field.data if isinstance(field.data, str) else None, str(field.label.text))
    if message:
        raise ValidationError(message)


#: Web addresses may carry long query strings.
URL_MAX = 2000


def _length_cap(field: Field) -> Length | None:
    """A default cap for a text field that declares none (text areas get the long-text cap)."""
    if any(isinstance(validator, Length) and validator.max != -1 for validator in field.validators):
        return None
    if isinstance(field, TextAreaField):
        return Length(max=LONG_TEXT_MAX)
    return Length(max=URL_MAX if isinstance(field, URLField) else TITLE_MAX)


class _Translations:
    """WTForms' messages, with the length refusal saying what the limit is and how long the text was."""

    _LONGER = "Field cannot be longer than %(max)d character."

    def __init__(self, inner) -> None:
        self._inner = inner

    def gettext(self, string: str) -> str:
        return self._inner.gettext(string) if self._inner is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if singular == self._LONGER:
            return "At most %(max)d characters, please (this has %(length)d)."
        if self._inner is not None:
            return self._inner.ngettext(singular, plural, n)
        return singular if n == 1 else plural


class TextForm(FlaskForm):
    """A FlaskForm whose every text field (passwords aside) is checked by the rules in ``content.text``."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _Translations(super().get_translations(form))

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                rules = [no_forbidden_characters]
                cap = _length_cap(field)
                if cap is not None:
                    rules.append(cap)
                # Ahead of the form's own validate_<field> parsers (credits, guests, funding).
                extra[name] = rules + extra.get(name, [])
        return super().validate(extra)


class ButtonForm(TextForm):
    """An empty form that carries only the CSRF token, for button-only POSTs (delete, publish)."""


class ScheduledForm(TextForm):
    """A form with ``status`` and ``publish_at`` fields: choosing "scheduled" needs a time.

    Subclasses set ``item_name`` ("post", "episode") for the message.
    """

    item_name = "item"

    def validate(self, extra_validators=None) -> bool:
        # Checked after the fields: an empty optional time skips its own validators.
        valid = super().validate(extra_validators)
        if self.status.data == Status.SCHEDULED.value and self.publish_at.data is None \
                and not self.publish_at.errors:
            self.publish_at.errors = [*self.publish_at.errors,
                                      f"A scheduled {self.item_name} needs a publication time."]
            valid = False
        return valid
