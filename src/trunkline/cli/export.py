"""``trunkline export calls|messages|contacts``: every page of a list action into a CSV or JSON
Lines file, resumable.

After each page the rows are flushed and ``FILE.state.json`` (beside the output) records the
cursor, the rows written and the file's size. A run that finds that state file (after Ctrl-C, a
dropped network, a crash) cuts the output back to the recorded size, dropping any half-written
page, and carries on from the cursor, so no row is written twice; ``--restart`` starts over. The
state file is removed once the last page is in. CSV columns are the first page's top-level
fields, kept for the whole export (nested values are written as JSON).
"""

from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from trunkline.cli import actions
from trunkline.cli.output import INTERRUPTED, USAGE, die, emit_json, errors, wants_json
from trunkline.cli.verbs import CALLS, ConnectionOption, JsonFlag, _when
from trunkline.client import Action

KINDS = {"calls": "list_calls", "messages": "list_messages", "contacts": "list_contacts"}


def export(
    kind: Annotated[str, typer.Argument(help="calls, messages or contacts.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    app: Annotated[str, typer.Option(help="quo, twilio or callrail.")] = "quo",
    format: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: from --out's suffix).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Calls since 7d, 24h, a date...")] = None,
    arg: Annotated[
        list[str] | None, typer.Option("--arg", "-a", help="KEY=VALUE action input (repeat).")
    ] = None,
    page_size: Annotated[int, typer.Option(help="Items asked for per page.", min=1)] = 100,
    restart: Annotated[bool, typer.Option(help="Ignore a saved state; start over.")] = False,
    connection: ConnectionOption = None,
    json: JsonFlag = False,
) -> None:
    """Write every call, message or contact to a file; a stopped export resumes where it was."""
    if kind not in KINDS:
        die(f"export {kind!r}: choose calls, messages or contacts", USAGE)
    chosen = actions.catalogue().get(f"{app}.{KINDS[kind]}")
    if chosen is None or chosen.pages is None:
        die(f"{app} has no {kind} to export", USAGE)
    fmt = format or ("csv" if out.suffix.lower() == ".csv" else "jsonl")
    if fmt not in ("csv", "jsonl"):
        die(f"--format {fmt!r}: choose csv or jsonl", USAGE)
    args = actions.parse_args(chosen, arg or [], [])
    if since:
        if kind != "calls" or app not in CALLS:
            die("--since applies to calls", USAGE)
        spec = CALLS[app]
        args[spec.since_input] = _when(actions.since(since), spec.since_is_date)
    actions.check(chosen, args)
    # what the user typed names the export: "--since 7d" resumed tomorrow is the same export
    typed = {"arg": arg or [], "since": since}
    job = Export(out, chosen, args, fmt, page_size, connection, typed)
    job.prepare(restart)
    try:
        job.run()
    except typer.Exit:
        if job.state["pages"] == 0:  # nothing written: leave no state behind
            job.state_path.unlink(missing_ok=True)
        raise
    except KeyboardInterrupt:
        errors.print(
            f"interrupted: {job.state['rows']} rows in {out}; run the same command again to resume"
        )
        raise typer.Exit(INTERRUPTED) from None
    summary = {"file": str(out), "rows": job.state["rows"], "pages": job.state["pages"]}
    if wants_json(json):
        emit_json(summary)
    else:
        errors.print(f"wrote {summary['rows']} rows to {out}")


class Export:
    def __init__(
        self,
        out: Path,
        chosen: Action,
        args: dict[str, Any],
        fmt: str,
        page_size: int,
        connection: str | None,
        typed: dict[str, Any],
    ) -> None:
        self.out = out
        self.state_path = out.with_name(out.name + ".state.json")
        self.chosen = chosen
        self.args = args
        self.fmt = fmt
        self.page_size = page_size
        self.connection = connection
        self.job = {"action": chosen.name, "typed": typed, "format": fmt}
        self.state: dict[str, Any] = {
            **self.job, "args": args, "columns": None, "cursor": None, "rows": 0, "pages": 0,
            "bytes": 0,
        }  # fmt: skip

    def prepare(self, restart: bool) -> None:
        """Resume from a saved state (cutting the file back to it), or start a fresh file."""
        if self.state_path.exists() and not restart:
            saved = orjson.loads(self.state_path.read_bytes())
            if {k: saved.get(k) for k in self.job} != self.job:
                die(
                    f"{self.state_path} belongs to another export "
                    f"({saved.get('action')}, {saved.get('format')}); add --restart to start over",
                    USAGE,
                )
            self.state = saved
            self.args = saved["args"]  # the window as first resolved, not moved on since
            errors.print(f"resuming after {saved['rows']} rows (from {self.state_path.name})")
            with open(self.out, "r+b") as fh:
                fh.truncate(saved["bytes"])
            return
        try:
            self.out.write_bytes(b"")
        except OSError as exc:
            die(f"cannot write {self.out}: {exc.strerror}", USAGE)
        self._save()

    def run(self) -> None:
        with _progress() as progress:
            task = progress.add_task(
                f"{self.chosen.name} → {self.out.name}",
                total=None,
                completed=self.state["rows"],
                page=self.state["pages"],
            )
            while self.state["pages"] == 0 or self.state["cursor"]:
                values = {**self.args, "limit": self.page_size, "cursor": self.state["cursor"]}
                page = actions.run(self.chosen.name, values, self.connection)
                # every later page on the connection the first one used
                self.connection = page.get("connection") or self.connection
                self._write(page["items"], page.get("next_cursor"))
                progress.update(task, completed=self.state["rows"], page=self.state["pages"])

    def _write(self, items: list[Any], cursor: str | None) -> None:
        with open(self.out, "ab") as fh:
            fh.write(self._encode(items))
            fh.flush()
            os.fsync(fh.fileno())
            size = fh.tell()
        self.state.update(
            cursor=cursor,
            rows=self.state["rows"] + len(items),
            pages=self.state["pages"] + 1,
            bytes=size,
        )
        if cursor:
            self._save()
        else:
            self.state_path.unlink(missing_ok=True)

    def _encode(self, items: list[Any]) -> bytes:
        if self.fmt == "jsonl":
            return b"".join(orjson.dumps(item) + b"\n" for item in items)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        columns: list[str] | None = self.state["columns"]
        if columns is None:
            if not items:
                return b""
            columns = self.state["columns"] = list(dict.fromkeys(k for i in items for k in i))
            writer.writerow(columns)
        for item in items:
            writer.writerow(_csv_cell(item.get(column)) for column in columns)
        return buffer.getvalue().encode()

    def _save(self) -> None:
        temporary = self.state_path.with_name(self.state_path.name + ".tmp")
        temporary.write_bytes(orjson.dumps(self.state))
        os.replace(temporary, self.state_path)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _progress() -> Progress:
    """Pages and rows so far, on stderr, only on a terminal (the total is not known upfront)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} rows, page {task.fields[page]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    )
