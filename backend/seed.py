"""`flask seed-demo`: loads the demo data (never run by migrations)."""

from __future__ import annotations

from importlib import import_module

import click
from flask.cli import with_appcontext

# Each module exposes load() -> str (a one-line summary); order matters (directory first).
SEEDERS = (
    "backend.directory.seed",
    "backend.catalog.seed",
    "backend.calendar.seed",
    "backend.routing.seed",
    "backend.activities.seed",
    "backend.info.seed",
)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Loads or refreshes the demo directory, staff accounts and catalog (idempotent)."""
    from flask import current_app

    if current_app.config["SETTINGS"].is_production:
        raise click.ClickException("refusing to load demo data in production (APP_ENV=production)")
    for summary in load_all():
        click.echo(summary)


def load_all() -> list[str]:
    """Runs every seeder in order; returns their summaries."""
    return [import_module(name).load() for name in SEEDERS]


def register(app) -> None:
    """Adds the seed command to the app's CLI."""
    app.cli.add_command(seed_demo)
    app.cli.add_command(delete_demo_accounts)


@click.command("delete-demo-accounts")
@with_appcontext
def delete_demo_accounts() -> None:
    """Deactivates every demo account, so production can start (their history is kept)."""
    from sqlalchemy import update

    from backend.directory.models import Staff
    from backend.extensions import db

    result = db.session.execute(
        update(Staff).where(Staff.is_demo.is_(True)).values(is_active=False, is_demo=False, password_hash="!")
    )
    db.session.commit()
    click.echo(f"deactivated {result.rowcount} demo accounts")
