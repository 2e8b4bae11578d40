"""Checks run before serving traffic (not inside create_app, so migrations can still run)."""

from __future__ import annotations

import sys


class UnsafeStartup(RuntimeError):
    """The server must not start in this state."""


def assert_safe_to_serve(app) -> None:
    """In production, refuses to serve while demo accounts with the published password exist."""
    settings = app.config["SETTINGS"]
    if not settings.is_production or _is_cli():
        return
    from backend.directory.service import demo_accounts_present

    with app.app_context():
        if demo_accounts_present():
            raise UnsafeStartup(
                "production mode refuses to start: demo accounts exist (run `flask delete-demo-accounts`)"
            )


def _is_cli() -> bool:
    # `flask db upgrade` imports wsgi too; the check is for the server, not for maintenance commands.
    return any(arg.endswith("flask") for arg in sys.argv[:1])
