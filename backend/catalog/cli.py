"""`flask catalog ...`: export, import, reindex and evaluate the service catalog."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from backend.catalog import evaluation, index, service, transfer
from backend.extensions import db


@click.group("catalog")
def catalog() -> None:
    """Service catalog tools."""


@catalog.command("export")
@click.option("--format", "fmt", type=click.Choice(transfer.FORMATS), default=None,
              help="json 或 csv（默认按输出文件扩展名）")
@click.option("--output", "output", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def export_command(fmt: str | None, output: str) -> None:
    """Writes every item (drafts too) to a JSON or CSV file."""
    try:
        fmt = fmt or transfer.format_of(output)
    except transfer.TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    items = service.all_items()
    Path(output).write_text(transfer.dumps(items, fmt), encoding="utf-8")
    click.echo(f"已导出 {len(items)} 个事项到 {output}（{fmt}）")


@catalog.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def import_command(path: str) -> None:
    """Imports a JSON or CSV file: every row valid, or nothing is written."""
    try:
        validated = transfer.read_file(path)
    except transfer.TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    if validated.errors:
        for error in validated.errors:
            click.echo(str(error), err=True)
        lines = len({error.line for error in validated.errors})
        raise click.ClickException(f"{lines} 行有错误，未导入任何事项")
    result = service.import_items(rows=validated.rows)
    click.echo(f"导入完成：新增 {result.created} 个，更新 {result.updated} 个")


@catalog.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuilds the search index of every item (after changing the dictionary or synonyms)."""
    count = index.reindex_all()
    db.session.commit()
    click.echo(f"已重建 {count} 个事项的搜索索引")


@catalog.command("eval")
@click.option("--file", "paths", type=click.Path(exists=True, dir_okay=False), multiple=True,
              help="评测集（可多次给出；默认 tests/catalog/data/ 下的两个评测集）")
@with_appcontext
def eval_command(paths: tuple[str, ...]) -> None:
    """Prints top-1/top-3 hit rates of search on each evaluation set and lists the misses."""
    for path in paths or [str(p) for p in evaluation.DEFAULT_EVAL_FILES]:
        report = evaluation.evaluate(evaluation.read_pairs(path))
        click.echo(f"评测集 {Path(path).name}")
        for miss in report.misses:
            found = "、".join(miss.found) or "（无结果）"
            click.echo(f"未命中  {miss.question}  期望 {miss.expected}  实得 {found}")
        click.echo(f"问题数 {report.total}")
        click.echo(f"top-1 命中率 {report.top1_rate:.1%}（{report.top1}/{report.total}）")
        click.echo(f"top-3 命中率 {report.top3_rate:.1%}（{report.top3}/{report.total}）")
