"""`flask petitions ...`: the SLA sweep by hand (the worker runs it periodically)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from backend.petitions import flows


@click.group("petitions")
def petitions() -> None:
    """Petition tools."""


@petitions.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Routes stragglers, flags overdue petitions, alerts supervisors, auto-closes unrated replies."""
    result = flows.sweep_overdue()
    click.echo(
        f"routed {result.routed}; overdue accept {result.flagged['accept']}, reply {result.flagged['reply']}, "
        f"close {result.flagged['close']}; auto-closed {result.auto_closed}"
    )
