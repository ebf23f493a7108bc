"""``trunkline accounts|keys|vault ...``: operator commands working on the store directly."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

import typer

from trunkline import admin as tasks
from trunkline.cli.output import emit_json, errors, table, wants_json
from trunkline.cli.server import DataDir, settings_from
from trunkline.enums import Mode
from trunkline.errors import TrunklineError

T = TypeVar("T")
accounts = typer.Typer(
    no_args_is_help=True,
    help="Accounts: each holds its own keys and connections, isolated from the others.",
)
keys = typer.Typer(no_args_is_help=True, help="API keys (tk_test_... and tk_live_...).")
vault = typer.Typer(no_args_is_help=True, help="The credential vault.")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AccountOption = Annotated[
    str | None, typer.Option("--account", help="Account name or id (default: the first one).")
]


@accounts.command("create")
def accounts_create(
    name: Annotated[str, typer.Argument(help="A unique name, e.g. acme-dental.")],
    data_dir: DataDir = None,
    json: JsonFlag = False,
) -> None:
    """Create an account. Make its first key with: trunkline keys create --account NAME."""
    row = _run(tasks.create_account(settings_from(data_dir=data_dir), name))
    if wants_json(json):
        emit_json(asdict(row))
    else:
        print(f"created account {row.name} ({row.id})")


@accounts.command("list")
def accounts_list(data_dir: DataDir = None, json: JsonFlag = False) -> None:
    """List accounts, oldest first."""
    rows = [asdict(r) for r in _run(tasks.list_accounts(settings_from(data_dir=data_dir)))]
    if wants_json(json):
        emit_json(rows)
    else:
        table(rows, ["id", "name", "created_at"])


@accounts.command("rename")
def accounts_rename(
    account: Annotated[str, typer.Argument(help="Current name or id.")],
    new_name: Annotated[str, typer.Argument(help="The new unique name.")],
    data_dir: DataDir = None,
) -> None:
    """Rename an account (keys and connections stay as they are)."""
    row = _run(tasks.rename_account(settings_from(data_dir=data_dir), account, new_name))
    print(f"renamed to {row.name}")


@keys.command("create")
def keys_create(
    data_dir: DataDir = None,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    account: AccountOption = None,
    mode: Annotated[
        Mode | None,
        typer.Option(
            help="test keys use the sandboxes, live keys the real providers "
            "(default: test while the sandboxes are mounted)."
        ),
    ] = None,
) -> None:
    """Print a new API key (just the key when not on a terminal)."""
    settings = settings_from(data_dir=data_dir)
    issued = _run(tasks.create_key(settings, name, account, mode))
    if sys.stdout.isatty():
        print(f"API key (shown once, {issued.mode.value} mode): {issued.plaintext}")
    else:
        print(issued.plaintext)


@keys.command("list")
def keys_list(
    data_dir: DataDir = None, account: AccountOption = None, json: JsonFlag = False
) -> None:
    """List keys (prefixes only; keys are stored hashed)."""
    rows = _run(tasks.list_keys(settings_from(data_dir=data_dir), account))
    if wants_json(json):
        emit_json(rows)
    else:
        table(rows, ["id", "account", "mode", "prefix", "name", "created_at", "revoked_at"])


@keys.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="Key id or prefix.")], data_dir: DataDir = None
) -> None:
    """Revoke a key. Running servers stop accepting it within their cache TTL."""
    prefix = _run(tasks.revoke_key(settings_from(data_dir=data_dir), key))
    print(f"revoked {prefix}")


@vault.command("rotate")
def vault_rotate(data_dir: DataDir = None, json: JsonFlag = False) -> None:
    """Encrypt every stored secret under a new master key (servers keep running)."""
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
