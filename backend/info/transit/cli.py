"""`flask transit import <gtfs dir or zip>`."""

import click
from flask.cli import with_appcontext

from integrations.transit.gtfs_static import GtfsError


@click.group("transit")
def transit() -> None:
    """Transit schedule (GTFS)."""


@transit.command("import")
@click.argument("source", type=click.Path())
@with_appcontext
def import_command(source: str) -> None:
    """Replaces the schedule with a GTFS static feed (a directory or a .zip)."""
    from backend.info.transit.importer import import_feed

    try:
        counts = import_feed(source)
    except GtfsError as exc:
        raise click.ClickException(f"GTFS 导入失败：{exc}") from exc
    click.echo("imported " + ", ".join(f"{count} {table}" for table, count in counts.items()))
