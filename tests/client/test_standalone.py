"""The SDK stands on httpx and pydantic alone, and its generated parts match the action files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from trunkline.actions import Actions
from trunkline.actions.codegen import outputs, stale
from trunkline.client._catalogue import builtin_actions

SRC = Path(__file__).resolve().parents[2] / "src"
FORBIDDEN = [
    "yaml", "jsonschema", "starlette", "sqlalchemy", "mcp", "uvicorn", "granian", "aiohttp",
    "redis", "asyncpg", "aiosqlite", "alembic", "cryptography", "typer", "rich", "jinja2",
    "orjson", "authlib", "phonenumbers", "pydantic_settings",
]  # fmt: skip

# Runs in a fresh interpreter: an import hook refuses the server's dependencies, then the SDK
# is imported and used as far as it can go without a server.
SCRIPT = textwrap.dedent(
    """
    import sys
    FORBIDDEN = set(sys.argv[1].split(","))

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in FORBIDDEN:
                raise ImportError(f"the SDK imported {name}")
            return None

    sys.meta_path.insert(0, Refuse())
    from trunkline.client import Trunkline, AsyncTrunkline, QuoMessage
    import trunkline.client._generated
    client = Trunkline("tk_test_x", base_url="http://127.0.0.1:9")
    assert [a.name for a in client.actions.list(app="quo", query="send")][0] == "quo.send_message"
    assert client.actions.get("twilio.create_call").hints.costs_money
    from trunkline.client._runner import validated
    validated(client.actions.get("quo.list_users"), {})
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
    assert not loaded, loaded
    print("ok", len(client.actions.list()))
    """
)


def test_the_sdk_imports_and_works_without_the_server_dependencies() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, ",".join(FORBIDDEN)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", str(len(Actions.load().by_name))]


def test_the_hook_would_catch_a_server_import() -> None:
    # The same hook, made to import one forbidden module: it must fail, or the test above
    # proves nothing.
    script = SCRIPT.replace("import trunkline.client._generated", "import trunkline.actions")
    done = subprocess.run(
        [sys.executable, "-c", script, ",".join(FORBIDDEN)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode != 0 and "the SDK imported" in done.stderr


def test_generated_files_are_current() -> None:
    assert stale(outputs()) == [], "run: python -m trunkline.actions.codegen"


def test_the_sdk_catalogue_equals_the_yaml() -> None:
    assert builtin_actions().by_name == Actions.load().by_name


def test_staleness_is_detected(tmp_path: Path) -> None:
    files = outputs()
    moved = {tmp_path / path.name: text for path, text in files.items()}
    for path, text in moved.items():
        path.write_text(text)
    assert stale(moved) == []
    first = next(iter(moved))
    first.write_text(first.read_text().replace("quo.send_message", "quo.send_massage"))
    assert stale(moved) == [first]
