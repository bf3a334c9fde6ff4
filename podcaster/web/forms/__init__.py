"""Flask-WTF forms, one module per area."""
from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """An empty form that carries only the CSRF token, for button-only POSTs (delete, publish)."""
