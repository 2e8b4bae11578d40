"""`flask outbox …`: operator commands."""

import click
from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="发件箱（通知）运维命令")


@outbox_cli.command("drain")
def drain() -> None:
    """Delivers every due message now and prints what happened."""
    from backend.outbox.jobs import drain_all

    report = drain_all()
    click.echo(f"sent {len(report.sent)}, retry later {len(report.retried)}, failed {len(report.failed)}")
