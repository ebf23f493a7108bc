"""``trunkline export`` against ``trunkline serve`` with its sandboxes: whole exports in both
formats, and an export stopped by Ctrl-C that resumes without writing a row twice."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.process import BIN, TrunklineProcess
from tests.support.servers import serve_asgi


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_export_jsonl_and_csv(trunkline_sandboxed: TrunklineProcess, tmp_path: Path) -> None:
    out = tmp_path / "calls.jsonl"
    done = trunkline_sandboxed.cli(
        "export", "calls", "--app", "twilio", "--out", str(out), "--page-size", "70"
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    rows = jsonl(out)
    assert summary["rows"] == len(rows) > 70 and summary["pages"] == -(-len(rows) // 70)
    assert len({r["sid"] for r in rows}) == len(rows)
    assert not (tmp_path / "calls.jsonl.state.json").exists()

    table = tmp_path / "calls.csv"
    done = trunkline_sandboxed.cli(
        "export", "calls", "--app", "twilio", "--out", str(table), "--page-size", "70"
    )
    assert done.returncode == 0, done.stderr
    with open(table, newline="") as fh:
        read = list(csv.DictReader(fh))
    assert [r["sid"] for r in read] == [r["sid"] for r in rows]
    assert json.loads(read[0]["subresource_uris"]) == rows[0]["subresource_uris"]


def test_export_contacts_and_messages_with_inputs(
    trunkline_sandboxed: TrunklineProcess, tmp_path: Path
) -> None:
    out = tmp_path / "contacts.csv"
    done = trunkline_sandboxed.cli("export", "contacts", "--out", str(out), "--page-size", "2")
    assert done.returncode == 0, done.stderr
    header = out.read_text().splitlines()[0].split(",")
    assert header[:2] == ["id", "externalId"] and json.loads(done.stdout)["pages"] >= 3

    messages = tmp_path / "messages.jsonl"
    missing = trunkline_sandboxed.cli("export", "messages", "--out", str(messages))
    assert missing.returncode == 2 and "phone_number_id" in missing.stderr
    done = trunkline_sandboxed.cli(
        "export",
        "messages",
        "--app",
        "twilio",
        "--out",
        str(messages),
        "--arg",
        "from=+14155552671",
    )
    assert done.returncode == 0, done.stderr
    assert {m["from"] for m in jsonl(messages)} == {"+14155552671"}


def test_export_refuses_what_it_cannot_do(
    trunkline_sandboxed: TrunklineProcess, tmp_path: Path
) -> None:
    out = str(tmp_path / "x.jsonl")
    for args, message in (
        (("export", "faxes", "--out", out), "choose calls, messages or contacts"),
        (("export", "contacts", "--app", "twilio", "--out", out), "twilio has no contacts"),
        (("export", "calls", "--format", "xml", "--out", out), "choose csv or jsonl"),
        (("export", "calls", "--out", str(tmp_path / "no" / "dir.csv")), "cannot write"),
    ):
        result = trunkline_sandboxed.cli(*args)
        assert result.returncode == 2 and message in result.stderr, result.stderr


class Gate:
    """A relay in front of trunkline that lets ``allowed`` calls pages through, then holds the
    next one until ``release`` (so Ctrl-C lands mid-export, deterministically)."""

    def __init__(self, target: str, allowed: int) -> None:
        self.target = target
        self.allowed = allowed
        self.passed = 0
        self.held = threading.Event()
        self.opened = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"] + (
            "?" + scope["query_string"].decode() if scope["query_string"] else ""
        )
        if path.split("?")[0].endswith("/Calls.json"):
            if self.passed >= self.allowed:
                self.held.set()
                await _to_thread(self.opened.wait)
            self.passed += 1
        headers = {k.decode(): v.decode() for k, v in scope["headers"] if k != b"host"}
        async with httpx.AsyncClient(base_url=self.target) as client:
            answer = await client.request(scope["method"], path, headers=headers)
        await send(
            {
                "type": "http.response.start",
                "status": answer.status_code,
                "headers": [(b"content-type", answer.headers["content-type"].encode())],
            }
        )
        await send({"type": "http.response.body", "body": answer.content})


async def _to_thread(wait: Any) -> None:
    import asyncio

    await asyncio.to_thread(wait, 60)


@pytest.fixture
def gate(trunkline_sandboxed: TrunklineProcess) -> Iterator[tuple[str, Gate]]:
    relay = Gate(trunkline_sandboxed.url, allowed=3)
    with serve_asgi(relay) as url:
        try:
            yield url, relay
        finally:
            relay.opened.set()


def wait_for(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the state never came"
        time.sleep(0.05)


def test_ctrl_c_then_resume_writes_every_row_once(
    trunkline_sandboxed: TrunklineProcess, gate: tuple[str, Gate], tmp_path: Path
) -> None:
    url, relay = gate
    out = tmp_path / "calls.csv"
    state = tmp_path / "calls.csv.state.json"
    args = [str(BIN), "export", "calls", "--app", "twilio", "--out", str(out), "--page-size", "20"]
    args += ["--since", "30d"]  # a relative window resumes as first resolved
    env = {**trunkline_sandboxed.env, "TRUNKLINE_API_KEY": trunkline_sandboxed.api_key or ""}
    stopped = subprocess.Popen(
        args, env={**env, "TRUNKLINE_URL": url}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    wait_for(relay.held.is_set)  # three pages are in; the fourth is held
    stopped.send_signal(signal.SIGINT)
    _, err = stopped.communicate(timeout=60)
    assert stopped.returncode == 130, err
    assert "interrupted: 60 rows" in err.decode() and "Traceback" not in err.decode()
    saved = json.loads(state.read_text())
    assert saved["rows"] == 60 and saved["pages"] == 3 and saved["cursor"]
    assert saved["typed"]["since"] == "30d" and saved["args"]["start_time_after"]
    assert len(out.read_text().splitlines()) == 61  # the header and three pages
    with open(out, "ab") as fh:
        fh.write(b"half a row of a page that never finish")  # as a crash mid-write leaves

    resumed = subprocess.run(
        args,
        env={**env, "TRUNKLINE_URL": trunkline_sandboxed.url},
        capture_output=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert b"resuming after 60 rows" in resumed.stderr
    assert not state.exists()
    whole = tmp_path / "whole.csv"
    again = trunkline_sandboxed.cli(
        "export", "calls", "--app", "twilio", "--out", str(whole), "--page-size", "20",
        "--since", "30d",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert out.read_text() == whole.read_text()  # same rows, same order, none twice


def test_a_state_file_of_another_export_is_not_used(
    trunkline_sandboxed: TrunklineProcess, tmp_path: Path
) -> None:
    out = tmp_path / "calls.jsonl"
    state = tmp_path / "calls.jsonl.state.json"
    state.write_text(json.dumps({"action": "quo.list_calls", "typed": {}, "format": "jsonl"}))
    result = trunkline_sandboxed.cli("export", "calls", "--app", "twilio", "--out", str(out))
    assert result.returncode == 2 and "--restart" in result.stderr
    result = trunkline_sandboxed.cli(
        "export", "calls", "--app", "twilio", "--out", str(out), "--restart"
    )
    assert result.returncode == 0 and not state.exists()
