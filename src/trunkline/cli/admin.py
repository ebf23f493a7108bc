"""``trunkline keys ...`` and ``trunkline vault rotate``: work on the data dir directly."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer

from trunkline import admin as tasks
from trunkline.cli.output import emit_json, errors, table, wants_json
from trunkline.cli.server import DataDir, settings_from
from trunkline.errors import TrunklineError

T = TypeVar("T")
keys = typer.Typer(no_args_is_help=True, help="API keys of this server's account.")
vault = typer.Typer(no_args_is_help=True, help="The credential vault.")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@keys.command("create")
def keys_create(
    data_dir: DataDir = None,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
) -> None:
    """Print a new API key (just the key when not on a terminal)."""
    issued = _run(tasks.create_key(settings_from(data_dir=data_dir), name))
    if sys.stdout.isatty():
        print(f"API key (shown once): {issued.plaintext}")
    else:
        print(issued.plaintext)


@keys.command("list")
def keys_list(data_dir: DataDir = None, json: JsonFlag = False) -> None:
    """List keys (prefixes only; keys are stored hashed)."""
    rows = _run(tasks.list_keys(settings_from(data_dir=data_dir)))
    if wants_json(json):
        emit_json(rows)
    else:
        table(rows, ["id", "prefix", "name", "created_at", "revoked_at"])


@keys.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="Key id or prefix.")], data_dir: DataDir = None
) -> None:
    """Revoke a key. Running servers stop accepting it within their cache TTL."""
    prefix = _run(tasks.revoke_key(settings_from(data_dir=data_dir), key))
    print(f"revoked {prefix}")


@vault.command("rotate")
def vault_rotate(data_dir: DataDir = None, json: JsonFlag = False) -> None:
    """Encrypt every stored credential under a new master key (servers keep running)."""
    result = _run(tasks.rotate(settings_from(data_dir=data_dir)))
    summary = {
        "primary_key": result.new_kid,
        "reencrypted": result.reencrypted,
        "key_ids": result.key_ids,
    }
    if wants_json(json):
        emit_json(summary)
    else:
        print(f"rotated: {result.reencrypted} credentials now under key {result.new_kid}")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except TrunklineError as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
