"""What a new user hits gives one clear line on stderr and a documented exit code (see
``trunkline --help``), never a traceback; piped output is never wrapped at 80 columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.process import TrunklineProcess
from tests.support.servers import free_port


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    return stderr


def test_a_missing_data_file(trunkline_sandboxed: TrunklineProcess, tmp_path: Path) -> None:
    missing = tmp_path / ("a-rather-long-directory-name-" * 3) / "message.json"
    result = trunkline_sandboxed.cli("api", "POST", "/quo/v1/messages", "--data", f"@{missing}")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert f"cannot read '{missing}': No such file or directory" in line
    assert len(line) > 120  # piped stderr keeps long lines whole


def test_a_bad_http_method(trunkline_sandboxed: TrunklineProcess) -> None:
    result = trunkline_sandboxed.cli("api", "FETCH", "/quo/v1/phone-numbers")
    assert result.returncode == 2
    assert "'FETCH' is not an HTTP method" in one_line(result.stderr)


@pytest.mark.parametrize(
    "args",
    [("connections", "list"), ("calls", "list"), ("api", "GET", "/quo/v1/phone-numbers")],
)
def test_a_refused_connection(trunkline_sandboxed: TrunklineProcess, args: tuple[str, ...]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = trunkline_sandboxed.cli(*args, env={"TRUNKLINE_URL": url})
    assert result.returncode == 3
    line = one_line(result.stderr)
    assert f"cannot reach trunkline at {url}: is `trunkline serve` running?" in line


@pytest.mark.parametrize(
    "args", [("connections", "list"), ("calls", "list"), ("run", "--list"), ("mcp",)]
)
def test_a_missing_key(trunkline_sandboxed: TrunklineProcess, args: tuple[str, ...]) -> None:
    result = trunkline_sandboxed.cli(*args, env={"TRUNKLINE_API_KEY": "", "MATON_API_KEY": ""})
    if args[0] == "run":  # listing the catalogue needs no server
        assert result.returncode == 0
        return
    assert result.returncode == 4
    assert "no API key: set TRUNKLINE_API_KEY" in one_line(result.stderr)


@pytest.mark.parametrize("args", [("connections", "list"), ("calls", "list")])
def test_a_refused_key(trunkline_sandboxed: TrunklineProcess, args: tuple[str, ...]) -> None:
    result = trunkline_sandboxed.cli(*args, env={"TRUNKLINE_API_KEY": "tk_test_nope"})
    assert result.returncode == 4
    assert "the API key was refused: invalid or revoked API key" in one_line(result.stderr)
    assert "tk_test_nope" not in result.stderr


def test_an_http_error_from_the_server(trunkline_sandboxed: TrunklineProcess) -> None:
    result = trunkline_sandboxed.cli("api", "GET", "/quo/v1/calls/ACnothing")
    assert result.returncode == 5
    assert one_line(result.stderr) == "error: HTTP 404 from GET /quo/v1/calls/ACnothing\n"
    assert json.loads(result.stdout)["message"]  # the provider's answer, as JSON, on stdout
    gone = trunkline_sandboxed.cli("connections", "get", "no-such-connection")
    assert gone.returncode == 5 and "404" in one_line(gone.stderr)


def test_piped_json_is_not_wrapped(trunkline_sandboxed: TrunklineProcess) -> None:
    result = trunkline_sandboxed.cli(
        "run", "twilio.list_calls", "--arg", "limit=1", env={"COLUMNS": "40"}
    )
    assert result.returncode == 0
    longest = max(len(line) for line in result.stdout.splitlines())
    assert longest > 80
    assert json.loads(result.stdout)["items"][0]["subresource_uris"]["feedback"].endswith(".json")


def test_help_lists_the_exit_codes(trunkline_sandboxed: TrunklineProcess) -> None:
    shown = " ".join(trunkline_sandboxed.cli("--help", env={"COLUMNS": "200"}).stdout.split())
    for code in ("2 usage error", "3 server unreachable", "4 missing or refused API key"):
        assert code in shown
