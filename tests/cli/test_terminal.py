"""The CLI on a real terminal (a pty) against ``trunkline serve`` with its sandboxes: the spinner
while a connection is made, the export progress bar, and the ``sms send`` confirmation."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.oauth.helpers import Dance, hidden
from tests.support.process import BIN, TrunklineProcess
from tests.support.terminal import Terminal
from trunkline.sandbox import load_sandbox

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def cli_env(server: TrunklineProcess) -> dict[str, str]:
    return {**server.env, "TRUNKLINE_URL": server.url, "TRUNKLINE_API_KEY": server.api_key or ""}


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def open_terminal(
    opened: list[Terminal], server: TrunklineProcess, *args: str, **env: str
) -> Terminal:
    terminal = Terminal([str(BIN), *args], {**cli_env(server), **env})
    opened.append(terminal)
    return terminal


def paste_key(url: str, api_key: str) -> None:
    """What a person does on the connect page: paste the key, submit."""
    with httpx.Client(timeout=30) as browser:
        page = browser.get(url)
        base = url.split("/connect", 1)[0]
        form = {
            "session_token": hidden(page.text, "session_token"),
            "csrf": hidden(page.text, "csrf"),
        }
        done = browser.post(base + "/connect", data={**form, "api_key": api_key})
        assert done.status_code == 200, done.text


def test_connections_create_opens_the_link_and_spins_until_active(
    trunkline_sandboxed: TrunklineProcess, terminals: list[Terminal], tmp_path: Path
) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    terminal = open_terminal(
        terminals, trunkline_sandboxed, "connections", "create", "quo", BROWSER=str(browser)
    )
    url = terminal.expect(r"\n(http://127\.0\.0\.1:\d+/connect\S*)\n").group(1)
    terminal.expect("waiting for quo to connect")
    terminal.expect(f"[{SPINNER_FRAMES}].*waiting for quo", timeout=10)
    assert opened.read_text().strip() == url  # the browser was given the whole link
    assert terminal.proc.poll() is None  # still waiting for the person
    paste_key(url, load_sandbox("quo").credentials["api_key"])
    found = terminal.expect(r"quo connection (\S+) is ACTIVE")
    assert terminal.wait() == 0
    status = httpx.get(
        f"{trunkline_sandboxed.url}/connections/{found.group(1)}",
        headers=trunkline_sandboxed.headers(),
    ).json()["connection"]["status"]
    assert status == "ACTIVE"


def test_the_spinner_stops_when_the_connection_fails(
    trunkline_sandboxed: TrunklineProcess, terminals: list[Terminal]
) -> None:
    terminal = open_terminal(
        terminals, trunkline_sandboxed, "connections", "create", "ringcentral", "--no-browser"
    )
    url = terminal.expect(r"\n(http://127\.0\.0\.1:\d+/connect\S*)\n").group(1)
    terminal.expect(f"[{SPINNER_FRAMES}] waiting for ringcentral")
    Dance(url).run("deny")  # the person says no at RingCentral
    terminal.expect(r"error: connection \S+ FAILED")
    assert terminal.wait() == 5


def test_the_spinner_gives_up_after_the_timeout(
    trunkline_sandboxed: TrunklineProcess, terminals: list[Terminal]
) -> None:
    terminal = open_terminal(
        terminals, trunkline_sandboxed, "connections", "create", "quo", "--no-browser",
        "--timeout", "0.5",
    )  # fmt: skip
    terminal.expect(r"error: still PENDING after 0.5s: \S+")
    assert terminal.wait() == 1


def test_connections_create_without_waiting(
    trunkline_sandboxed: TrunklineProcess, terminals: list[Terminal]
) -> None:
    terminal = open_terminal(
        terminals, trunkline_sandboxed, "connections", "create", "quo", "--no-wait", "--no-browser"
    )
    assert terminal.wait() == 0
    assert "/connect?session_token=" in terminal.text and "waiting for" not in terminal.text


def test_export_shows_a_progress_bar_over_pages(
    trunkline_sandboxed: TrunklineProcess, terminals: list[Terminal], tmp_path: Path
) -> None:
    out = tmp_path / "calls.jsonl"
    terminal = open_terminal(
        terminals,
        trunkline_sandboxed,
        "export", "calls", "--app", "twilio", "--out", str(out), "--page-size", "40",
    )  # fmt: skip
    assert terminal.wait(120) == 0
    shown = terminal.text
    assert "twilio.list_calls → calls.jsonl" in shown
    drawn = [(int(r), int(p)) for r, p in re.findall(r"(\d+) rows, page (\d+)", shown)]
    rows = len(out.read_text().splitlines())
    assert rows > 40 and drawn[-1] == (rows, -(-rows // 40))  # the bar ends on the last page
    assert "━" in shown and f"wrote {rows} rows" in shown


def quo_messages(server: TrunklineProcess, to: str) -> list[dict[str, object]]:
    headers = server.headers()
    line = httpx.get(server.url + "/quo/v1/phone-numbers", headers=headers).json()["data"][0]
    listed = httpx.get(
        server.url + "/quo/v1/messages",
        params={"phoneNumberId": line["id"], "participants[]": to, "maxResults": 50},
        headers=headers,
    )
    assert listed.status_code == 200, listed.text
    messages: list[dict[str, object]] = listed.json()["data"]
    return messages


def test_sms_send_asks_first(
    trunkline_sandboxed: TrunklineProcess, terminals: list[Terminal]
) -> None:
    to = "+1415555" + str(uuid.uuid4().int)[:4]
    text = f"Your table is ready ({uuid.uuid4().hex[:6]})"
    declined = open_terminal(
        terminals, trunkline_sandboxed, "sms", "send", "--to", to, "--text", text
    )
    declined.expect(r"1 segment, GSM-7 \(\d+ units\), estimated cost \$0\.0100")
    declined.expect(r"Send\? \[y/N\]")
    declined.send("n\r")
    assert declined.wait() == 1 and "not sent" in declined.text
    assert [m for m in quo_messages(trunkline_sandboxed, to) if m["text"] == text] == []

    accepted = open_terminal(
        terminals, trunkline_sandboxed, "sms", "send", "--to", to, "--text", text
    )
    accepted.expect(r"Send\? \[y/N\]")
    accepted.send("y\r")
    assert accepted.wait() == 0
    assert f"to {to} (queued)" in accepted.text
    sent = [m for m in quo_messages(trunkline_sandboxed, to) if m["text"] == text]
    assert len(sent) == 1 and json.dumps(sent[0]["to"]) == json.dumps([to])


def test_tables_never_cut_ids_or_urls(
    trunkline_sandboxed: TrunklineProcess, terminals: list[Terminal]
) -> None:
    env = cli_env(trunkline_sandboxed)
    ids = [
        c["connection_id"]
        for c in json.loads(trunkline_sandboxed.cli("connections", "list").stdout)
    ]
    narrow = Terminal([str(BIN), "connections", "list"], env, columns=60)
    terminals.append(narrow)
    assert narrow.wait() == 0
    assert "┏" in narrow.text and all(i in narrow.text for i in ids)  # whole, on one line each
    calls = Terminal([str(BIN), "calls", "list", "--app", "twilio", "-L", "3"], env, columns=60)
    terminals.append(calls)
    assert calls.wait() == 0
    assert len(re.findall(r"│ CA[0-9a-f]{32} │", calls.text)) == 3
    wide = Terminal([str(BIN), "connections", "list", "--wide"], env, columns=60)
    terminals.append(wide)
    assert wide.wait() == 0
    rows = [line for line in wide.text.splitlines() if ids[0] in line]
    assert '"sandbox":true' in rows[0]  # --wide: the metadata stays on the id's line


def test_calls_show_reads_like_a_call(
    trunkline_sandboxed: TrunklineProcess, terminals: list[Terminal]
) -> None:
    listed = json.loads(trunkline_sandboxed.cli("calls", "list", "-L", "50").stdout)["items"]
    answered = next(c for c in listed if c["status"] == "completed")
    terminal = open_terminal(terminals, trunkline_sandboxed, "calls", "show", answered["id"])
    assert terminal.wait() == 0
    shown = terminal.text
    assert re.search(rf"│ {answered['id']}\s+│", shown)  # whole, in its cell
    assert "Summary" in shown and "Transcript" in shown
    assert re.search(r"\+1\d{10}: \S", shown)  # who said what
