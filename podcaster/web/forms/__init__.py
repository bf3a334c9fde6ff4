"""Flask-WTF forms, one module per area."""
from flask_wtf import FlaskForm

from ...models import Status


class ButtonForm(FlaskForm):
    """An empty form that carries only the CSRF token, for button-only POSTs (delete, publish)."""


class ScheduledForm(FlaskForm):
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
