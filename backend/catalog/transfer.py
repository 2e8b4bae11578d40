"""Catalog files in the provincial platform's shape: JSON (a list of items) or CSV (one row per item,
list and nested fields as JSON text in their cells). Import validates every row before writing any."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError

from backend.catalog.models import ServiceItem
from backend.catalog.schemas import ItemWriteSchema

COLUMNS = (
    "code", "name", "department", "audience", "themes", "summary", "aliases", "keywords", "conditions",
    "materials", "steps", "legal_time_limit_days", "promised_time_limit_days", "fee", "places", "online_url",
    "faq", "status",
)
JSON_COLUMNS = ("themes", "aliases", "keywords", "conditions", "materials", "steps", "places", "faq")
NULLABLE_COLUMNS = ("legal_time_limit_days", "online_url")
FORMATS = ("json", "csv")


class TransferError(Exception):
    """The file cannot be read at all (format, encoding, structure)."""


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行 {self.field}：{self.message}"


@dataclass
class Validated:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def export_row(item: ServiceItem) -> dict:
    """An item as an import row (the write schema's fields, department by code)."""
    return {
        "code": item.code, "name": item.name, "department": item.department.code, "audience": item.audience,
        "themes": list(item.themes), "summary": item.summary, "aliases": list(item.aliases),
        "keywords": list(item.keywords), "conditions": list(item.conditions), "materials": list(item.materials),
        "steps": list(item.steps), "legal_time_limit_days": item.legal_time_limit_days,
        "promised_time_limit_days": item.promised_time_limit_days, "fee": item.fee, "places": list(item.places),
        "online_url": item.online_url, "faq": list(item.faq), "status": item.status,
    }


def format_of(path: str | Path) -> str:
    """json or csv, from the file name's extension."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise TransferError(f"无法识别的文件类型“.{suffix}”，请使用 .json 或 .csv 文件")
    return suffix


def dumps(items: list[ServiceItem], fmt: str) -> str:
    """Serialises items as a JSON or CSV document."""
    rows = [export_row(item) for item in items]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({
            column: json.dumps(value, ensure_ascii=False) if column in JSON_COLUMNS
            else ("" if value is None else value)
            for column, value in row.items()
        })
    return out.getvalue()


def _read_json(content: str) -> list[tuple[int, dict, list[RowError]]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise TransferError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）") from exc
    if not isinstance(data, list):
        raise TransferError("JSON 文件应为事项列表（[...]）")
    # For JSON the "line" is the item's position in the list, counted from 1.
    return [(number, row if isinstance(row, dict) else {}, [] if isinstance(row, dict) else
             [RowError(number, "-", "应为 JSON 对象")]) for number, row in enumerate(data, start=1)]


def _read_csv(content: str) -> list[tuple[int, dict, list[RowError]]]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    missing = [column for column in ("code", "name") if column not in (reader.fieldnames or [])]
    if missing:
        raise TransferError(f"CSV 表头缺少列：{'、'.join(missing)}")
    unknown = [column for column in reader.fieldnames if column not in COLUMNS]
    if unknown:
        raise TransferError(f"CSV 表头有不支持的列：{'、'.join(unknown)}")
    result, line = [], 2
    try:
        for raw in reader:
            row, errors = {}, []
            for column, cell in raw.items():
                if column is None or cell is None:
                    errors.append(RowError(line, "-", "列数与表头不一致"))
                    continue
                if column in JSON_COLUMNS:
                    try:
                        row[column] = json.loads(cell) if cell.strip() else []
                    except json.JSONDecodeError:
                        errors.append(RowError(line, column, "不是有效的 JSON 文本"))
                elif cell == "" and column in NULLABLE_COLUMNS:
                    row[column] = None
                elif cell != "" or column not in ("promised_time_limit_days", "fee", "status"):
                    row[column] = cell
            result.append((line, row, errors))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise TransferError(f"CSV 格式错误（第 {reader.line_num} 行）：{exc}") from exc
    return result


def _flatten(messages, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        pairs = []
        for key, value in messages.items():
            name = f"{prefix}[{key + 1}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            pairs.extend(_flatten(value, name))
        return pairs
    if isinstance(messages, list):
        return [pair for value in messages for pair in _flatten(value, prefix)]
    return [(prefix or "-", str(messages))]


def validate_rows(parsed: list[tuple[int, dict, list[RowError]]]) -> Validated:
    """Loads every row with the write schema; collects every error with its line and field."""
    schema, result, seen = ItemWriteSchema(), Validated(), {}
    for line, row, errors in parsed:
        result.errors.extend(errors)
        try:
            loaded = schema.load(row)
        except ValidationError as exc:
            result.errors.extend(RowError(line, name, message) for name, message in _flatten(exc.messages))
            continue
        if loaded["code"] in seen:
            result.errors.append(RowError(line, "code", f"事项编码与第 {seen[loaded['code']]} 行重复"))
            continue
        seen[loaded["code"]] = line
        if not errors:
            result.rows.append(loaded)
    return result


def read_file(path: str | Path) -> Validated:
    """Reads and validates an import file (format by extension)."""
    fmt = format_of(path)
    try:
        content = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TransferError(f"文件不是 UTF-8 编码（第 {exc.start} 字节）") from exc
    except OSError as exc:
        raise TransferError(f"无法读取文件：{exc.strerror or exc}") from exc
    return validate_rows(_read_json(content) if fmt == "json" else _read_csv(content))
