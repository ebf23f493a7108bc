"""Client-side commands: talk to a running server through the SDK (``trunkline.client``)."""

from __future__ import annotations

import os
import sys
import time
import webbrowser
from typing import Annotated, Any

import orjson
import typer

from trunkline.cli.output import (
    API,
    CANCELLED,
    USAGE,
    console,
    die,
    emit_json,
    errors,
    exit_for,
    table,
    wants_json,
)
from trunkline.client import Client, Connection, TrunklineClientError

connections = typer.Typer(no_args_is_help=True, help="Connections of your account.")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
WideFlag = Annotated[bool, typer.Option("--wide", help="Never wrap any column.")]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# How long `connections create` waits for the person to finish the connect page.
WAIT_SECONDS = 600
COLUMNS = ["connection_id", "app", "mode", "method", "status", "creation_time", "metadata"]


def _client() -> Client:
    try:
        return Client()
    except TrunklineClientError as exc:
        raise exit_for(exc) from None


def _fail(exc: TrunklineClientError) -> typer.Exit:
    return exit_for(exc)


@connections.command("list")
def list_(
    app: Annotated[str | None, typer.Option(help="Only this app.")] = None,
    status: Annotated[str | None, typer.Option(help="PENDING, ACTIVE or FAILED.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-L", help="At most this many.")] = None,
    json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """List connections, oldest first."""
    try:
        rows = [
            c.model_dump(mode="json")
            for c in _client().connections.list(app=app, status=status, limit=limit)
        ]
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    if wants_json(json):
        emit_json(rows)
    else:
        table(rows, COLUMNS, wide=wide)


@connections.command("create")
def create(
    app: Annotated[str, typer.Argument(help="App slug, e.g. quo.")],
    credential: Annotated[
        list[str] | None,
        typer.Option("--credential", "-c", help="FIELD=VALUE (repeat); verified live."),
    ] = None,
    browser: Annotated[
        bool, typer.Option("--browser/--no-browser", help="Open the connect URL (on a terminal).")
    ] = True,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait until ACTIVE or FAILED (on a terminal).")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait.")] = WAIT_SECONDS,
    json: JsonFlag = False,
) -> None:
    """Create a connection. Without --credential: prints the connect URL on its own line, opens
    it in a browser, and waits with a spinner until the connection is ACTIVE or FAILED."""
    fields = dict(item.split("=", 1) for item in credential or [] if "=" in item)
    client = _client()
    try:
        conn = client.connections.create(app, credentials=fields or None)
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    if wants_json(json):
        emit_json(conn.model_dump(mode="json"))
        return
    table([conn.model_dump(mode="json")], COLUMNS)
    if conn.status != "PENDING" or not conn.url:
        return
    errors.print("Open this link to connect (it works once):")
    print(conn.url, flush=True)  # whole, on its own line: copyable, clickable
    if browser and _has_browser():
        webbrowser.open(conn.url)
    if wait and sys.stdout.isatty():
        _wait_for(client, conn, timeout)


def _has_browser() -> bool:
    """A person at a graphical session (a text browser would take over this terminal)."""
    graphical = any(os.environ.get(v) for v in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"))
    return sys.stdin.isatty() and (graphical or sys.platform == "darwin")


def _wait_for(client: Client, conn: Connection, timeout: float) -> None:
    """Poll until the person has finished the connect page (or gave up)."""
    deadline = time.monotonic() + timeout
    with console.status(f"waiting for {conn.app} to connect (Ctrl-C stops waiting)..."):
        while conn.status == "PENDING":
            if time.monotonic() > deadline:
                die(f"still PENDING after {timeout:g}s: {conn.connection_id}", CANCELLED)
            try:
                time.sleep(1)
                conn = client.connections.get(conn.connection_id)
            except TrunklineClientError as exc:
                raise _fail(exc) from None
            except KeyboardInterrupt:
                errors.print(
                    f"stopped waiting; check later: trunkline connections get {conn.connection_id}"
                )
                return
    if conn.status == "FAILED":
        die(f"connection {conn.connection_id} FAILED", API)
    console.print(f"[green]{conn.app} connection {conn.connection_id} is {conn.status}[/green]")


@connections.command("get")
def get(connection_id: str, json: JsonFlag = False) -> None:
    """Show one connection."""
    try:
        conn = _client().connections.get(connection_id)
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    if wants_json(json):
        emit_json(conn.model_dump(mode="json"))
    else:
        table([conn.model_dump(mode="json")], [*COLUMNS, "url"])


@connections.command("reconnect")
def reconnect(
    connection_id: str,
    credential: Annotated[
        list[str] | None,
        typer.Option("--credential", "-c", help="FIELD=VALUE (repeat); verified, then swapped in."),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """A fresh connect URL for the same connection (the old credential works until replaced)."""
    fields = dict(item.split("=", 1) for item in credential or [] if "=" in item)
    try:
        conn = _client().connections.reconnect(connection_id, credentials=fields or None)
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    if wants_json(json):
        emit_json(conn.model_dump(mode="json"))
    else:
        table([conn.model_dump(mode="json")], COLUMNS)
        if conn.url:
            print(conn.url)


@connections.command("delete")
def delete(connection_id: str) -> None:
    """Delete a connection."""
    try:
        _client().connections.delete(connection_id)
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    print(f"deleted {connection_id}")


def apps(json: JsonFlag = False) -> None:
    """List the apps this server can connect to."""
    try:
        rows = [a.model_dump(mode="json") for a in _client().apps()]
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    if wants_json(json):
        emit_json(rows)
    else:
        table(rows, ["app", "name", "method", "docs_url"])


def api(
    method: Annotated[str, typer.Argument(help="GET, POST, PUT, PATCH or DELETE.")],
    path: Annotated[str, typer.Argument(help="Gateway path, e.g. /quo/v1/phone-numbers.")],
    data: Annotated[
        str | None, typer.Option("--data", "-d", help="Body: JSON, or @file, or - for stdin.")
    ] = None,
    form: Annotated[
        list[str] | None, typer.Option("--form", "-F", help="KEY=VALUE form field (repeat).")
    ] = None,
    header: Annotated[list[str] | None, typer.Option("--header", "-H", help="Name: value.")] = None,
    connection: Annotated[
        str | None, typer.Option("--connection", help="Maton-Connection id.")
    ] = None,
) -> None:
    """Call any provider endpoint through the gateway and print the answer."""
    if method.upper() not in METHODS:
        die(f"{method!r} is not an HTTP method (use one of {', '.join(METHODS)})", USAGE)
    headers = dict(_split_header(h) for h in header or [])
    kwargs: dict[str, Any] = {}
    if form:
        fields: dict[str, list[str]] = {}
        for item in form:
            name, _, value = item.partition("=")
            fields.setdefault(name, []).append(value)
        kwargs["data"] = fields
    elif data is not None:
        kwargs["content"] = _read_data(data)
        headers.setdefault("Content-Type", "application/json")
    try:
        response = _client().request(method, path, connection=connection, headers=headers, **kwargs)
    except TrunklineClientError as exc:
        raise _fail(exc) from None
    _print_body(response.content, response.headers.get("content-type", ""))
    if response.status_code >= 400:
        die(f"HTTP {response.status_code} from {method.upper()} {path}", API)


def _split_header(raw: str) -> tuple[str, str]:
    name, _, value = raw.partition(":")
    return name.strip(), value.strip()


def _read_data(data: str) -> bytes:
    if data == "-":
        return sys.stdin.buffer.read()
    if data.startswith("@"):
        try:
            with open(data[1:], "rb") as fh:
                return fh.read()
        except OSError as exc:
            die(f"--data {data}: cannot read {data[1:]!r}: {exc.strerror}", USAGE)
    return data.encode()


def _print_body(body: bytes, content_type: str) -> None:
    if "json" in content_type and body:
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            value = None
        if value is not None:
            if sys.stdout.isatty():
                console.print_json(body.decode())
            else:
                emit_json(value)
            return
    sys.stdout.buffer.write(body)
    sys.stdout.flush()
