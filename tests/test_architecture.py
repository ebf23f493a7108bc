"""Mechanical checks of the architecture's rules."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "trunkline"


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
            n.split(".")[0] for n in imports_of(path) if not n.startswith(("trunkline", "__"))
        }
        assert third_party <= {
            "httpx",
            "pydantic",
            "os",
            "collections",
            "typing",
            "datetime",
            "contextlib",
            "json",
            "dataclasses",
            "uuid",
            "re",
        }, path


def test_sdk_public_surface() -> None:
    import trunkline.client as sdk

    for name in sdk.__all__:
        assert hasattr(sdk, name), name
    public = {n for n in dir(sdk) if not n.startswith("_")}
    assert public - set(sdk.__all__) <= {"annotations"}


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
