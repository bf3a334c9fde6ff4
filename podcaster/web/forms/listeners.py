"""The statistics pages' date-range picker: a GET form (it changes nothing, so it carries no CSRF token)."""
from __future__ import annotations

from datetime import date, timedelta

from wtforms import DateField
from wtforms.validators import Optional

from . import TextForm

#: The longest range a page draws (one bar per day).
MAX_RANGE_DAYS = 366 * 3

#: The first year a From or To day may name (no podcast download is older); a typo such as year 1 is refused
#: before any date arithmetic can overflow.
EARLIEST_YEAR = 2000


class DateRangeForm(TextForm):
    """From and To, UTC calendar days (the days statistics are counted in); empty means the last 30 days up to
    today."""

    class Meta(TextForm.Meta):
        csrf = False

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])

    def __init__(self, formdata, today: date, default_days: int = 30, **kwargs) -> None:
        super().__init__(formdata=formdata, **kwargs)
        self.today = today
        self.default_days = default_days

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the range's: each runs even when one of the two days is left empty.

        Returns:
            True when the range may be drawn; otherwise the refusal is in the errors of the field it names.
        """
        if not super().validate(extra_validators):
            return False
        problem = self._range_problem()
        if problem is None:
            return True
        field, message = problem
        field.errors = [*field.errors, message]
        return False

    def _range_problem(self):
        """The first (field, message) refusal of the chosen range, or None."""
        latest_year = self.today.year + 1
        for field in (self.start, self.end):
            if field.data is not None and not EARLIEST_YEAR <= field.data.year <= latest_year:
                return field, f"Choose a day between {EARLIEST_YEAR} and {latest_year}."
        if self.start.data is not None and self.start.data > self.today:
            return self.start, f"“From” is after today ({self.today.isoformat()}): choose a day up to today."
        start, end = self.chosen_range()
        if start > end:
            return self.end, "“To” is before “From”: choose a To day on or after the From day."
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            return self.end, f"Choose at most {MAX_RANGE_DAYS} days (this range has {(end - start).days + 1})."
        return None

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
