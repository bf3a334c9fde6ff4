"""The statistics pages' date-range picker: a GET form (it changes nothing, so it carries no CSRF token)."""
from __future__ import annotations

from datetime import date, timedelta

from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from . import TextForm

#: The longest range a page draws (one bar per day).
MAX_RANGE_DAYS = 366 * 3


class DateRangeForm(TextForm):
    """From and To, calendar days in the site's time zone; empty means the last 30 days up to today."""

    class Meta(TextForm.Meta):
        csrf = False

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])

    def __init__(self, formdata, today: date, default_days: int = 30, **kwargs) -> None:
        super().__init__(formdata=formdata, **kwargs)
        self.today = today
        self.default_days = default_days

    def validate_end(self, field) -> None:
        start, end = self.chosen_range()
        if start > end:
            raise ValidationError("“To” is before “From”: choose a To day on or after the From day.")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise ValidationError(f"Choose at most {MAX_RANGE_DAYS} days (this range has {(end - start).days + 1}).")

    def default_range(self) -> tuple[date, date]:
        """The last ``default_days`` days up to today."""
        return self.today - timedelta(days=self.default_days - 1), self.today

    def chosen_range(self) -> tuple[date, date]:
        """The range asked for, the defaults filling what was left empty."""
        end = self.end.data or self.today
        start = self.start.data or end - timedelta(days=self.default_days - 1)
        return start, end

    def error_messages(self) -> list[str]:
        """Every refusal, naming its field (for the message above the form)."""
        return [f"{self[name].label.text}: {message}" for name, messages in self.errors.items()
                for message in messages]
