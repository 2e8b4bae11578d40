"""Entry point for gunicorn and `flask --app wsgi`."""

from backend.app import create_app
from backend.startup import assert_safe_to_serve

app = create_app()
assert_safe_to_serve(app)
