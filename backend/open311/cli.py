"""`flask open311 …`: issue partners' API keys from the command line."""

import click
from flask.cli import AppGroup

open311 = AppGroup("open311", help="Open311 合作方与 api_key")


@open311.command("add-partner")
@click.argument("name")
@click.option("--per-minute", default=60, show_default=True, help="requests allowed per minute")
def add_partner(name: str, per_minute: int) -> None:
    """Registers a partner and prints its api_key (shown this once)."""
    from backend.open311 import service

    try:
        partner, api_key = service.create_partner(name=name, requests_per_minute=per_minute)
    except service.Open311Error as exc:
        raise click.ClickException(exc.description) from exc
    click.echo(f"partner {partner.id} {partner.name}: api_key {api_key}")


@open311.command("rotate-key")
@click.argument("name")
def rotate_key(name: str) -> None:
    """Issues a new api_key for a partner (the old one stops working) and prints it."""
    from backend.open311 import service

    partner = service.get_partner_by_name(name=name)
    if partner is None:
        raise click.ClickException(f"no partner named {name!r}")
    click.echo(f"partner {partner.id} {partner.name}: api_key {service.rotate_key(partner=partner)}")
