from flask_wtf.file import FileField
from wtforms import BooleanField, SubmitField, URLField
from wtforms.validators import URL, Optional

from . import TextForm


class ImportFeedForm(TextForm):
    """Import an existing podcast from its feed address or a saved feed file."""

    feed_url = URLField("Feed address", validators=[Optional(), URL(require_tld=False, message="Enter a full http(s) address.")])
    feed_file = FileField("…or a saved feed file")
    keep_remote = BooleanField("Keep the audio where it is (do not download it)")
    submit = SubmitField("Import")

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.feed_url.data and not (self.feed_file.data and self.feed_file.data.filename):
            self.feed_url.errors.append("Give the feed's address or choose a feed file.")
            return False
        return True
