"""Mechanical checks of the architecture's rules."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "trunkline"
STDLIB = sys.stdlib_module_names


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_client_side_code_never_touches_the_store() -> None:
    """The SDK, CLI client commands and MCP server talk HTTP to the server, never to its DB."""
    for package in ("client", "mcp"):
        for path in (SRC / package).rglob("*.py") if (SRC / package).exists() else []:
            bad = {n for n in imports_of(path) if n.startswith(("trunkline.store", "sqlalchemy"))}
            assert not bad, f"{path} imports {bad}"
    for path in (SRC / "cli").rglob("*.py"):
        bad = {n for n in imports_of(path) if n.startswith(("trunkline.store", "sqlalchemy"))}
        assert not bad, f"{path} imports {bad}"


def test_sdk_depends_only_on_httpx_and_pydantic() -> None:
    for path in (SRC / "client").rglob("*.py"):
        third_party = {
            n.split(".")[0]
            for n in imports_of(path)
            if not n.startswith(("trunkline", "__")) and n.split(".")[0] not in STDLIB
        }
        assert third_party <= {"httpx", "pydantic"}, path


# Package -> packages it must never import (the layering: HTTP edges -> services -> storage).
NEVER = {
    "gateway": ("trunkline.control", "trunkline.connect", "trunkline.cli", "trunkline.client"),
    "control": ("trunkline.gateway", "trunkline.connect", "trunkline.cli", "trunkline.client"),
    "connect": ("trunkline.gateway", "trunkline.control", "trunkline.cli", "trunkline.client"),
    "connections": (
        "trunkline.gateway",
        "trunkline.control",
        "trunkline.connect",
        "trunkline.cli",
        "starlette",
    ),
    "forwarding": (
        "trunkline.gateway",
        "trunkline.control",
        "trunkline.connect",
        "trunkline.cli",
        "starlette",
    ),
    "events": ("trunkline.gateway", "trunkline.control", "trunkline.connect", "trunkline.cli"),
    "auth": ("trunkline.store", "sqlalchemy", "trunkline.connections", "trunkline.gateway"),
    "transport": ("trunkline.store", "sqlalchemy", "trunkline.connections", "trunkline.auth"),
    "catalogue": ("trunkline.store", "trunkline.connections", "trunkline.gateway"),
    "store": ("trunkline.connections", "trunkline.gateway", "trunkline.control"),
    "sandbox": ("trunkline.gateway", "trunkline.control", "trunkline.connect", "trunkline.store"),
}


def test_layers_have_one_direction() -> None:
    broken = []
    for package, banned in NEVER.items():
        for path in (SRC / package).rglob("*.py"):
            for name in imports_of(path):
                if any(name == b or name.startswith(b + ".") for b in banned):
                    broken.append(f"{path.relative_to(SRC)} imports {name}")
    assert broken == []


def test_the_sdk_never_imports_the_server() -> None:
    """Only ``client/testing.py`` runs the server (it is the in-process harness)."""
    for path in (SRC / "client").rglob("*.py"):
        if path.name == "testing.py":
            continue
        server = {
            n for n in imports_of(path) if n.startswith("trunkline") and "trunkline.client" not in n
        }
        assert server == set(), f"{path} imports {server}"


def test_only_the_connections_package_writes_connection_rows() -> None:
    """Setting a column of a connection row happens in ``connections/`` alone."""
    import re

    writes = re.compile(
        r"\b(conn|row|connection)\.(status|credential|mode|meta|error|session_\w+|oauth_\w+)\s*=[^=]"
    )
    offenders = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC)
        if relative.parts[0] in ("connections", "sandbox"):
            continue
        if writes.search(path.read_text()):
            offenders.append(str(relative))
    assert offenders == []


def test_sdk_public_surface() -> None:
    import trunkline.client as sdk

    for name in sdk.__all__:
        assert hasattr(sdk, name), name
    public = {n for n in dir(sdk) if not n.startswith("_")}
    assert public - set(sdk.__all__) <= {"annotations", "testing"}


def test_settings_mask_secrets() -> None:
    from trunkline.settings import Settings

    settings = Settings(
        master_keys="k1:" + "A" * 43,
        database_url="postgresql+asyncpg://u:hunter2@db/x",
        redis_url="redis://:hunter3@cache/0",
    )
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    for secret in ("A" * 43, "hunter2", "hunter3"):
        assert secret not in shown
