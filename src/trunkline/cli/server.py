"""``trunkline serve`` and ``trunkline sandbox APP``."""

from __future__ import annotations

import asyncio
import gc
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from trunkline import logs
from trunkline.bootstrap import prepare
from trunkline.cli.output import errors
from trunkline.errors import ConfigError
from trunkline.sandbox import BUILTIN_SANDBOXES
from trunkline.settings import DEFAULT_PORT, Settings

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default ~/.trunkline).")
]


def settings_from(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:
        errors.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help=f"Port (default {DEFAULT_PORT}).")] = None,
    data_dir: DataDir = None,
    no_sandbox: Annotated[
        bool, typer.Option("--no-sandbox", help="Do not mount sandboxes.")
    ] = False,
) -> None:
    """Run everything in one process: control API, connect page, gateway and sandboxes."""
    settings = settings_from(
        host=host, port=port, data_dir=data_dir, sandbox=False if no_sandbox else None
    )
    logs.configure(settings.log_level)
    from trunkline.app import create_app

    try:
        first = asyncio.run(prepare(settings))
        app = create_app(settings)
    except ConfigError as exc:
        errors.print(f"[red]cannot start:[/red] {exc.message}")
        raise typer.Exit(2) from None
    print(f"trunkline listening on {settings.base_url}", flush=True)
    if settings.database_url is None:
        print(f"data dir: {settings.resolved_data_dir}", flush=True)
    if first.api_key:
        print(f"API key (shown once): {first.api_key}", flush=True)
        if first.mode.value == "test":
            print(
                "  a test key: it uses the offline sandboxes. For real providers make a live "
                "key: trunkline keys create --mode live",
                flush=True,
            )
    if app.sandboxes:
        print(f"sandboxes: {', '.join(app.sandboxes)} (mounted at /sandbox/<app>)", flush=True)
    _run(app, settings.host, settings.port, settings.server)


def sandbox(
    app_name: Annotated[
        str, typer.Argument(metavar="APP", help=f"One of: {', '.join(BUILTIN_SANDBOXES)}.")
    ],
    port: Annotated[int, typer.Option(help="Port.")] = 8471,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    data_dir: DataDir = None,
    speed: Annotated[float, typer.Option(help="Divide simulated delays by this.")] = 1.0,
    memory: Annotated[bool, typer.Option("--memory", help="Keep no state on disk.")] = False,
) -> None:
    """Run one provider sandbox alone, for testing your own code against it."""
    from trunkline.sandbox import load_sandbox
    from trunkline.sandbox.kit import SandboxConfig

    try:
        spec = load_sandbox(app_name)
    except (ImportError, AttributeError):
        errors.print(f"[red]no sandbox named {app_name!r}[/red]")
        raise typer.Exit(2) from None
    settings = settings_from(data_dir=data_dir)
    config = SandboxConfig(data_dir=None if memory else settings.resolved_data_dir, speed=speed)
    print(f"{app_name} sandbox on http://{host}:{port}", flush=True)
    for name, value in spec.credentials.items():
        print(f"  {name}: {value}", flush=True)
    _run(spec.create_app(config), host, port, settings.server)


def _run(app: Any, host: str, port: int, server: str) -> None:
    # Startup objects live as long as the process: keep the cyclic GC from rescanning them, and
    # let it run less often (each proxied request allocates many short-lived objects).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    if server == "granian":
        _run_granian(app, host, port)
        return
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            server_header=False,
            date_header=True,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
    except (OSError, SystemExit) as exc:
        errors.print(f"[red]server stopped:[/red] {exc}")
        sys.exit(1)


def _run_granian(app: Any, host: str, port: int) -> None:
    """Granian (a Rust HTTP server) embedded in this process: the fastest we measured for the
    proxy's hot path, and a kill of this process leaves no worker behind."""
    import signal

    import uvloop
    from granian.constants import Interfaces
    from granian.server.embed import Server

    server = Server(
        app,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        websockets=False,
        log_enabled=False,
        backlog=1024,
    )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop)
        await server.serve()

    uvloop.run(main())
