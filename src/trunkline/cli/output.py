"""Tables for people on a terminal, JSON for programs (or with ``--json``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)


def wants_json(flag: bool) -> bool:
    return flag or not sys.stdout.isatty()


def emit_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str = "") -> None:
    grid = Table(title=title or None)
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(_cell(row.get(column)) for column in columns))
    console.print(grid)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)
