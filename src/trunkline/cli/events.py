"""``trunkline events tail|list|replay``: the event inbox from a terminal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from trunkline.cli.output import console, emit_json, errors, table, wants_json
from trunkline.cli.remote import JsonFlag, _client, _fail
from trunkline.client import Event, TrunklineClientError

events = typer.Typer(no_args_is_help=True, help="Provider events: texts received, calls, ...")
TypeOption = Annotated[
    str | None, typer.Option("--type", "-t", help="Only these types, e.g. 'message.*'.")
]
AppOption = Annotated[str | None, typer.Option("--app", help="Only this app.")]


def _line(event: Event) -> str:
    data = event.data
    who = data.get("from") or ""
    what = data.get("text") or data.get("status") or ""
    return (
        f"[dim]{event.received_at:%H:%M:%S}[/dim] [bold]{event.type}[/bold] "
        f"[cyan]{event.app}[/cyan] {who} {what}".rstrip()
    )


@events.command("tail")
def tail(
    type: TypeOption = None,
    app: AppOption = None,
    after: Annotated[str | None, typer.Option(help="Start after this cursor.")] = None,
) -> None:
    """Follow events as they arrive (pretty on a terminal, JSON lines when piped). Ctrl-C stops."""
    pretty = sys.stdout.isatty()
    try:
        for event in _client().events.stream(type=type, app=app, after=after):
            if pretty:
                console.print(_line(event))
            else:
                sys.stdout.write(event.model_dump_json() + "\n")
                sys.stdout.flush()
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        return


@events.command("list")
def list_(
    type: TypeOption = None,
    app: AppOption = None,
    after: Annotated[str | None, typer.Option(help="Start after this cursor.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-L", help="At most this many.")] = 50,
    json: JsonFlag = False,
) -> None:
    """List stored events, oldest first (the next cursor is printed last)."""
    try:
        page = _client().events.list(type=type, app=app, after=after, limit=limit)
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    if wants_json(json):
        emit_json(page.model_dump(mode="json"))
        return
    rows = [
        {
            "id": e.id,
            "type": e.type,
            "app": e.app,
            "received_at": e.received_at.isoformat(),
            "from": e.data.get("from"),
        }
        for e in page.events
    ]
    table(rows, ["id", "type", "app", "received_at", "from"])
    errors.print(f"next cursor: {page.next_cursor}")


@events.command("replay")
def replay(event_id: str, json: JsonFlag = False) -> None:
    """Deliver a stored event to your event destinations again."""
    try:
        body = _client()._control("POST", f"/events/{event_id}/replay")
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    if wants_json(json):
        emit_json(body)
    else:
        print(f"replaying {event_id}")
