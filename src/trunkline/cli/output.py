"""Tables for people on a terminal, JSON for programs (or with ``--json``), one-line errors.

Exit codes, the same for every client-side command (``trunkline --help`` lists them):
0 done, 1 cancelled (a "no" at a prompt, Ctrl-C, a wait that timed out), 2 usage (bad option,
missing file, ...), 3 the server cannot be reached, 4 no API key or the key was refused, 5 the
server or the provider answered with an error, 130 an export stopped by Ctrl-C (run it again to
resume).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import httpx
import orjson
import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from trunkline.client import (
    ActionError,
    APIConnectionError,
    APIError,
    AuthenticationError,
    PermissionDeniedError,
    TrunklineClientError,
)

CANCELLED, USAGE, UNREACHABLE, AUTH, API, INTERRUPTED = 1, 2, 3, 4, 5, 130
EXIT_CODES_HELP = (
    "Exit codes: 0 done, 1 cancelled, 2 usage error, 3 server unreachable, "
    "4 missing or refused API key, 5 error from the server or provider, "
    "130 export interrupted (resumable)."
)

NO_KEY = (
    "no API key: set TRUNKLINE_API_KEY (or MATON_API_KEY); make one with: trunkline keys create"
)
console = Console()
# soft_wrap: a long message stays one line when stderr is a file or a pipe (no 80-column cut).
errors = Console(stderr=True, soft_wrap=True, highlight=False)


def wants_json(flag: bool) -> bool:
    return flag or not sys.stdout.isatty()


def emit_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str = "", wide: bool = False
) -> None:
    """Ids and URLs are never cut: they do not wrap, other columns do, and when even that does
    not fit the table is drawn wider than the terminal (which then wraps whole lines)."""
    grid = Table(title=title or None)
    for column in columns:
        keep = _is_key(column, rows)
        grid.add_column(column, no_wrap=keep or wide, overflow="fold")
    for row in rows:
        grid.add_row(*(_cell(row.get(column)) for column in columns))
    # measured against an unbounded width (a measurement is clamped to the width it is given)
    needed = Measurement.get(console, console.options.update_width(100_000), grid)
    width = needed.maximum if wide else needed.minimum
    if width > console.width:  # Console.print never goes wider than its console: use a wider one
        Console(width=width, force_terminal=console.is_terminal).print(grid, crop=False)
    else:
        console.print(grid)


def _is_key(column: str, rows: Sequence[dict[str, Any]]) -> bool:
    if column in ("id", "sid", "url") or column.endswith(("_id", "_url", "Id")):
        return True
    return any(str(row.get(column) or "").startswith(("http://", "https://")) for row in rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def die(message: str, code: int) -> NoReturn:
    """One line on stderr, then exit with ``code``: never a traceback."""
    raise said(message, code)


def said(message: str, code: int) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def exit_for(exc: Exception, base_url: str | None = None) -> typer.Exit:
    """The one place a client-side error becomes a line and an exit code (raise what it
    returns, ``from None``)."""
    if isinstance(exc, ActionError) and _gateway_code(exc.body) == "unauthorized":
        return said(f"the API key was refused: {exc.message}", AUTH)
    if isinstance(exc, ActionError):
        where = f" (HTTP {exc.status})" if exc.status else ""
        return said(f"{exc.message}{where}", USAGE if exc.status is None else API)
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return said(f"the API key was refused: {exc.message}", AUTH)
    if isinstance(exc, APIError):
        return said(str(exc), API)
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError):
        url = base_url or _url_of(cause)
        return said(f"cannot reach trunkline at {url}: is `trunkline serve` running?", UNREACHABLE)
    if isinstance(exc, APIConnectionError) or isinstance(cause, httpx.HTTPError):
        return said(f"trunkline did not answer: {exc}", UNREACHABLE)
    if isinstance(exc, TrunklineClientError) and "API key" in str(exc):
        return said(NO_KEY, AUTH)
    return said(str(exc), API)


def _gateway_code(body: Any) -> str | None:
    """The code of trunkline's own error shape (a provider's errors pass through unchanged)."""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code")) if isinstance(error, dict) and "request_id" in error else None


def _url_of(error: httpx.HTTPError) -> str:
    try:
        url = error.request.url
    except RuntimeError:
        return "its URL"
    return f"{url.scheme}://{url.netloc.decode()}"
