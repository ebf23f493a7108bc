"""The trunkline command line."""

from __future__ import annotations

import typer

from trunkline.cli import admin, events, mcp, remote, server

HELP = (
    "trunkline: a self-hosted gateway between your software and business phone systems.\n\n"
    "Server-side commands (serve, sandbox, migrate, accounts, keys, vault) take --data-dir. "
    "Client-side commands (connections, api, apps) talk to a running server: they read "
    "TRUNKLINE_URL and "
    "TRUNKLINE_API_KEY (or MATON_API_BASE_URL and MATON_API_KEY)."
)
app = typer.Typer(no_args_is_help=True, add_completion=False, help=HELP)
app.command("serve")(server.serve)
app.command("sandbox")(server.sandbox)
app.command("migrate")(admin.migrate)
app.add_typer(admin.accounts, name="accounts")
app.add_typer(admin.keys, name="keys")
app.add_typer(admin.vault, name="vault")
app.add_typer(remote.connections, name="connections")
app.add_typer(events.events, name="events")
app.command("api")(remote.api)
app.command("apps")(remote.apps)
app.command("mcp")(mcp.mcp)


def main() -> None:
    app()
