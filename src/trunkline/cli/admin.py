"""``trunkline accounts|keys|vault ...``: operator commands working on the store directly."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape

from trunkline.cli.output import emit_json, errors, table, wants_json
from trunkline.cli.server import DataDir, settings_from
from trunkline.enums import Mode
from trunkline.errors import TrunklineError
from trunkline.vault import new_key_line, write_key_file

if TYPE_CHECKING:
    from trunkline import admin as tasks
    from trunkline.scopes import Scope
else:

    class _Lazy:
        """``trunkline.admin`` pulls in the store and every service: import it on first use, so
        client-side commands and ``--help`` start quickly."""

        def __getattr__(self, name: str) -> Any:
            from trunkline import admin

            return getattr(admin, name)

    tasks = _Lazy()

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


def migrate(data_dir: DataDir = None) -> None:
    """Bring the database schema up to date, then exit (every start does this too)."""
    _run(tasks.migrate_store(settings_from(data_dir=data_dir)))
    print("schema is up to date")


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
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Only GET, HEAD and OPTIONS; no sends, no changes.")
    ] = False,
    apps: Annotated[
        str | None, typer.Option("--apps", help="Only these apps, comma-separated: quo,twilio.")
    ] = None,
    connections: Annotated[
        str | None,
        typer.Option("--connections", help="Only these connection ids, comma-separated."),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to", help="Send only to numbers matching this E.164 pattern (+1555*); repeatable."
        ),
    ] = None,
    sends_per_hour: Annotated[
        int | None, typer.Option("--sends-per-hour", help="Most sends (texts, calls) per hour.")
    ] = None,
    sends_per_day: Annotated[
        int | None, typer.Option("--sends-per-day", help="Most sends (texts, calls) per day.")
    ] = None,
) -> None:
    """Print a new API key (just the key when not on a terminal). A scope is fixed for the
    key's life: to change it, create another key and revoke this one."""
    settings = settings_from(data_dir=data_dir)
    try:
        scope = _scope(read_only, apps, connections, to, sends_per_hour, sends_per_day)
    except TrunklineError as exc:  # the values are the user's: no markup in them
        errors.print(f"[red]{escape(exc.message)}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    issued = _run(tasks.create_key(settings, name, account, mode, scope))
    if sys.stdout.isatty():
        print(f"API key (shown once, {issued.mode.value} mode): {issued.plaintext}")
    else:
        print(issued.plaintext)


def _scope(
    read_only: bool,
    apps: str | None,
    connections: str | None,
    to: list[str] | None,
    per_hour: int | None,
    per_day: int | None,
) -> Scope:
    from trunkline.scopes import Scope

    def split(raw: str | None) -> list[str] | None:
        return None if raw is None else [p for p in raw.split(",") if p.strip()]

    return Scope.build(
        apps=split(apps),
        connections=split(connections),
        read_only=read_only,
        to=to or None,
        sends_per_hour=per_hour,
        sends_per_day=per_day,
    )


@keys.command("list")
def keys_list(
    data_dir: DataDir = None, account: AccountOption = None, json: JsonFlag = False
) -> None:
    """List keys (prefixes only; keys are stored hashed)."""
    rows = _run(tasks.list_keys(settings_from(data_dir=data_dir), account))
    if wants_json(json):
        emit_json(rows)
    else:
        for row in rows:
            row["scope"] = _describe(row["scope"])
        table(
            rows, ["id", "account", "mode", "prefix", "name", "scope", "created_at", "revoked_at"]
        )


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
        "signing_secrets": result.signing_secrets,
        "key_ids": result.key_ids,
    }
    if wants_json(json):
        emit_json(summary)
    else:
        print(
            f"rotated: {result.reencrypted} credentials and {result.signing_secrets} signing "
            f"secrets now under key {result.new_kid}"
        )


@vault.command("new-key")
def vault_new_key(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="Write the key to this file (mode 0600) instead of printing it."
        ),
    ] = None,
    env: Annotated[
        bool,
        typer.Option(
            "--env", help="As TRUNKLINE_MASTER_KEYS=..., an environment file for systemd or docker."
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Make a new master key ('kid:base64'). Back it up: losing it loses every stored credential.

    Rotate: put the new key last in every replica's TRUNKLINE_MASTER_KEYS (so all can read it),
    restart them, move it first, restart, then run `trunkline vault rotate`.
    """
    line = new_key_line()
    text = f"TRUNKLINE_MASTER_KEYS={line}" if env else line
    if output is None:
        print(text)
        return
    if output.exists() and not force:
        errors.print(f"[red]{output} exists[/red]: not overwritten (--force replaces it)")
        raise typer.Exit(1)
    write_key_file(output, [text])
    print(f"wrote a new master key to {output} (mode 0600); back it up now")


def _describe(scope: dict[str, Any]) -> str:
    """A scope in a table cell: ``read-only; apps quo; to +1555*; 10/hour``, or ``all``."""
    parts = ["read-only"] if scope["read_only"] else []
    for name in ("apps", "connections", "to"):
        if scope[name] is not None:
            parts.append(f"{name} {','.join(scope[name]) or '(none)'}")
    for name, unit in (("sends_per_hour", "hour"), ("sends_per_day", "day")):
        if scope[name] is not None:
            parts.append(f"{scope[name]}/{unit}")
    return "; ".join(parts) or "all"


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except TrunklineError as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
