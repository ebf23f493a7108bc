"""The CLI against a real server: keys, connections, api."""

from __future__ import annotations

import json

import httpx

from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess


def test_keys_create_list_revoke(stack: TrunklineProcess) -> None:
    data = str(stack.data_dir)
    created = stack.cli("keys", "create", "--data-dir", data, "--name", "ci")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("tk_") and "\n" not in key  # just the key when piped
    assert httpx.get(stack.url + "/connections", headers=stack.headers(key)).status_code == 200
    listed = json.loads(stack.cli("keys", "list", "--data-dir", data).stdout)
    assert key not in json.dumps(listed)
    mine = [k for k in listed if k["name"] == "ci"]
    assert mine and key.startswith(mine[0]["prefix"])
    revoked = stack.cli("keys", "revoke", mine[0]["id"], "--data-dir", data)
    assert revoked.returncode == 0, revoked.stderr
    # TRUNKLINE_CACHE_TTL=0 in tests: revocation is seen at once
    assert httpx.get(stack.url + "/connections", headers=stack.headers(key)).status_code == 401
    assert httpx.get(stack.url + "/quo/v1/x", headers=stack.headers(key)).status_code == 401
    assert stack.cli("keys", "revoke", "tk_nothing", "--data-dir", data).returncode == 1


def test_connections_commands(stack: TrunklineProcess) -> None:
    listed = stack.cli("connections", "list", "--app", "quo")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert rows and all(r["app"] == "quo" for r in rows)
    created = stack.cli(
        "connections", "create", "callrail", "-c", f"api_key={echo_mod.CALLRAIL_KEY}"
    )
    assert created.returncode == 0, created.stderr
    conn = json.loads(created.stdout)
    assert conn["status"] == "ACTIVE"
    assert echo_mod.CALLRAIL_KEY not in created.stdout
    deleted = stack.cli("connections", "delete", conn["connection_id"])
    assert deleted.returncode == 0
    missing = stack.cli("connections", "get", conn["connection_id"])
    assert missing.returncode == 5 and "connection_not_found" in missing.stderr


def test_api_command(stack: TrunklineProcess) -> None:
    result = stack.cli("api", "POST", "/quo/v1/messages", "--data", '{"content": "hi"}')
    assert result.returncode == 0, result.stderr
    echoed = json.loads(result.stdout)
    assert echoed["body"] == '{"content": "hi"}' and echoed["method"] == "POST"
    form = stack.cli(
        "api",
        "POST",
        "/twilio/2010-04-01/Accounts/AC1/Messages.json",
        "-F",
        "To=+15555550100",
        "-F",
        "Body=hello",
    )
    assert json.loads(form.stdout)["body"] == "To=%2B15555550100&Body=hello"
    failed = stack.cli("api", "GET", "/quo/status/404")
    assert failed.returncode == 5 and "upstream said 404" in failed.stdout
    assert failed.stderr == "error: HTTP 404 from GET /quo/status/404\n"


def test_maton_fallback_env(stack: TrunklineProcess) -> None:
    result = stack.cli(
        "connections",
        "list",
        env={
            "TRUNKLINE_URL": "",
            "TRUNKLINE_API_KEY": "",
            "MATON_API_BASE_URL": stack.url,
            "MATON_API_KEY": stack.api_key or "",
        },
    )
    assert result.returncode == 0, result.stderr


def test_no_key_is_a_clear_error(stack: TrunklineProcess) -> None:
    result = stack.cli("connections", "list", env={"TRUNKLINE_API_KEY": "", "MATON_API_KEY": ""})
    assert result.returncode == 4 and "TRUNKLINE_API_KEY" in result.stderr


def test_tables_on_a_terminal(stack: TrunklineProcess) -> None:
    """On a TTY the CLI draws a table; piped, it prints JSON (the other tests)."""
    import shlex
    import shutil
    import subprocess

    from tests.support.process import BIN

    script = shutil.which("script")
    assert script, "util-linux 'script' is needed to give the CLI a terminal"
    env = {
        **stack.env,
        "TRUNKLINE_URL": stack.url,
        "TRUNKLINE_API_KEY": stack.api_key or "",
        "COLUMNS": "200",
        "TERM": "xterm",
    }
    result = subprocess.run(
        [script, "-qec", f"{shlex.quote(str(BIN))} connections list --app quo", "/dev/null"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "connection_id" in result.stdout and "┏" in result.stdout
    assert stack.connections["quo"] in result.stdout  # type: ignore[attr-defined]
