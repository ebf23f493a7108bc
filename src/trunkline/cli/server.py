"""``trunkline serve`` and ``trunkline sandbox APP``."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from trunkline import logs
from trunkline.cli.output import errors
from trunkline.errors import ConfigError
from trunkline.sandbox import BUILTIN_SANDBOXES
from trunkline.serving.protocol import Limits, protocol_class
from trunkline.serving.workers import Supervisor, bind
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
    workers: Annotated[
        int | None, typer.Option(help="Worker processes on the one port (default 1).")
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(help="HTTP server: own, uvicorn or granian (docs/performance.md)."),
    ] = None,
) -> None:
    """Run everything: control API, connect page, gateway and sandboxes (in each worker)."""
    settings = settings_from(
        host=host,
        port=port,
        data_dir=data_dir,
        sandbox=False if no_sandbox else None,
        workers=workers,
        server=server,
    )
    logs.configure(settings.log_level)
    if settings.workers > 1 and settings.sandbox:
        # Each worker would run its own copy of every sandbox, all writing one state file.
        errors.print("[red]cannot start:[/red] --workers above 1 needs --no-sandbox")
        raise typer.Exit(2)
    from trunkline.app import create_app
    from trunkline.bootstrap import prepare  # the store and services: only when serving

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
    if settings.workers > 1 and settings.database_url is None:
        print(
            f"{settings.workers} workers on one SQLite node: caches are per worker and each "
            f"keeps 1/{settings.workers} of every provider rate limit"
            + ("" if settings.redis_url else " (set TRUNKLINE_REDIS_URL to share them)"),
            flush=True,
        )
    _run(app, settings.host, settings.port, settings)


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
    _run(spec.create_app(config), host, port, settings.model_copy(update={"workers": 1}))


def _run(app: Any, host: str, port: int, settings: Settings) -> None:
    # Startup objects live as long as the process: keep the cyclic GC from rescanning them, and
    # let it run less often (each proxied request allocates many short-lived objects). Frozen
    # before any fork, they also stay shared copy-on-write between workers.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    if settings.server == "granian":
        if settings.workers == 1:
            _run_granian(app, host, port, settings)
            return

        def granian_worker(_index: int, _sock: socket.socket | None) -> None:
            _run_granian(app, host, port, settings)  # each binds its own SO_REUSEPORT socket

        print(f"{settings.workers} workers", flush=True)
        supervisor = Supervisor(settings.workers, None, granian_worker, settings.shutdown_timeout)
        sys.exit(supervisor.run())
    if settings.server == "own":
        _run_own(app, host, port, settings)
        return
    if settings.workers == 1:
        server = uvicorn.Server(_uvicorn_config(app, host, port, settings))
        try:
            server.run()
        except (OSError, SystemExit) as exc:
            errors.print(f"[red]server stopped:[/red] {exc}")
            sys.exit(1)
        if not server.started:
            sys.exit(1)  # uvicorn logged why (the port is taken, most often)
        return
    try:
        sock = bind(host, port)
    except OSError as exc:
        errors.print(f"[red]cannot listen on {host}:{port}:[/red] {exc}")
        raise typer.Exit(1) from None

    def work(index: int, sock: socket.socket | None) -> None:
        # Which worker answered, for operators and tests; no PID or host detail leaks.
        config = _uvicorn_config(app, host, port, settings, [("trunkline-worker", str(index))])
        server = uvicorn.Server(config)
        server.run(sockets=[sock] if sock else None)
        if not server.started:
            sys.exit(1)  # its lifespan failed; the supervisor replaces it or gives up

    print(f"{settings.workers} workers", flush=True)
    sys.exit(Supervisor(settings.workers, sock, work, settings.shutdown_timeout).run())


def _limits(settings: Settings) -> Limits:
    return Limits(
        max_header_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_connections=settings.max_connections,
    )


def _run_own(app: Any, host: str, port: int, settings: Settings) -> None:
    """trunkline's own server (serving/server.py), in this process or in each worker."""
    from trunkline.serving import server as own

    try:
        sock = bind(host, port)
    except OSError as exc:
        errors.print(f"[red]cannot listen on {host}:{port}:[/red] {exc}")
        raise typer.Exit(1) from None

    def work(index: int, sock: socket.socket | None) -> None:
        assert sock is not None
        # Which worker answered, for operators and tests; no PID or host detail leaks.
        headers = ((b"trunkline-worker", str(index).encode()),) if index else ()
        config = own.Config(
            _limits(settings),
            keep_alive_timeout=settings.keep_alive_timeout,
            shutdown_timeout=settings.shutdown_timeout,
            headers=headers,
        )
        if not own.run(app, config, sock):
            sys.exit(1)

    if settings.workers == 1:
        work(0, sock)
        return
    print(f"{settings.workers} workers", flush=True)
    sys.exit(Supervisor(settings.workers, sock, work, settings.shutdown_timeout).run())


def _uvicorn_config(
    app: Any, host: str, port: int, settings: Settings, headers: list[tuple[str, str]] | None = None
) -> uvicorn.Config:
    """uvicorn on httptools with trunkline's inbound limits (trunkline/serving/protocol.py)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_class(_limits(settings)),
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=True,
        # X-Forwarded-* are read by the code that needs them (TRUNKLINE_TRUSTED_PROXY); uvicorn's
        # middleware would rewrite every request's scope for nothing.
        proxy_headers=False,
        headers=headers or [],
        lifespan="on",
        backlog=2048,
        timeout_keep_alive=max(1, round(settings.keep_alive_timeout)),
        timeout_graceful_shutdown=max(1, round(settings.shutdown_timeout)),
    )


def _run_granian(app: Any, host: str, port: int, settings: Settings) -> None:
    """Granian (a Rust HTTP server) embedded in this process (one per worker). hyper enforces the
    head size and count caps and the header timeout; it takes a request with Content-Length and
    Transfer-Encoding as chunked (dropping the length) rather than refusing it, and has no
    connection cap or body timeout (docs/performance.md)."""
    import signal

    import uvloop
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.server.embed import Server

    server = Server(
        app,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        websockets=False,
        log_enabled=False,
        backlog=2048,
        backpressure=settings.max_connections,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.header_timeout * 1000),
            # hyper's read buffer bounds the head; it refuses less than 8 KiB.
            max_buffer_size=max(8192, settings.max_header_bytes),
        ),
    )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop)
        await server.serve()

    uvloop.run(main())
