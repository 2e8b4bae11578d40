"""指尖政务 backend: the Flask application that owns all data."""

from backend.app import create_app

__all__ = ["create_app"]
