"""The ``trunkline`` command. Server-side commands take ``--data-dir``; client-side ones read
``TRUNKLINE_URL`` / ``TRUNKLINE_API_KEY`` (or ``MATON_API_BASE_URL`` / ``MATON_API_KEY``)."""

from __future__ import annotations

import typer

from trunkline.cli import admin, remote, server

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
app.command("serve")(server.serve)
app.command("sandbox")(server.sandbox)
app.add_typer(admin.keys, name="keys")
app.add_typer(admin.vault, name="vault")
app.add_typer(remote.connections, name="connections")
app.command("api")(remote.api)
app.command("apps")(remote.apps)


def main() -> None:
    app()
