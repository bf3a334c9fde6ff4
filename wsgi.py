"""WSGI entry point: ``gunicorn wsgi:app``."""
from podcaster import create_app

app = create_app()
