"""``sms send``, ``calls list|show``, ``contacts search`` and ``run`` against ``trunkline serve``
with its sandboxes, piped (so JSON); the terminal side is in test_terminal.py."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from tests.support.process import TrunklineProcess


def ok(result: Any) -> Any:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def quo_texts(server: TrunklineProcess, to: str) -> list[str]:
    headers = server.headers()
    line = httpx.get(server.url + "/quo/v1/phone-numbers", headers=headers).json()["data"][0]
    listed = httpx.get(
        server.url + "/quo/v1/messages",
        params={"phoneNumberId": line["id"], "participants[]": to, "maxResults": 50},
        headers=headers,
    ).json()["data"]
    return [m["text"] for m in listed]


def test_sms_send_with_yes_sends_once_from_the_first_number(
    trunkline_sandboxed: TrunklineProcess,
) -> None:
    to, text = "+14155550161", f"Your order is ready {uuid.uuid4().hex[:6]}"
    result = trunkline_sandboxed.cli("sms", "send", "--to", to, "--text", text, "--yes")
    sent = ok(result)
    assert sent["action"] == "quo.send_message" and sent["idempotency_key"]
    assert sent["data"]["from"] == "+14155550123" and sent["data"]["to"] == [to]
    assert result.stderr.startswith("1 segment, GSM-7 (")
    assert quo_texts(trunkline_sandboxed, to).count(text) == 1


def test_sms_send_estimates_unicode_segments_and_a_custom_price(
    trunkline_sandboxed: TrunklineProcess,
) -> None:
    text = "Café ☕ " * 12  # UCS-2: 84 units, two segments of 67
    result = trunkline_sandboxed.cli(
        "sms", "send", "--to", "+14155550162", "--text", text, "--yes",
        "--price-per-segment", "0.05",
    )  # fmt: skip
    ok(result)
    assert "2 segments, UCS-2 (84 units), estimated cost $0.1000" in result.stderr


def test_sms_send_refuses_to_ask_without_a_terminal(trunkline_sandboxed: TrunklineProcess) -> None:
    to, text = "+14155550163", f"never sent {uuid.uuid4().hex[:6]}"
    result = trunkline_sandboxed.cli("sms", "send", "--to", to, "--text", text, input="y\n")
    assert result.returncode == 2
    assert (
        "stdin is not a terminal, add --yes" in result.stderr and "Traceback" not in result.stderr
    )
    assert text not in quo_texts(trunkline_sandboxed, to)


def test_sms_send_over_twilio(trunkline_sandboxed: TrunklineProcess) -> None:
    sent = ok(
        trunkline_sandboxed.cli(
            "sms", "send", "--app", "twilio", "--to", "+14155550164", "--text", "hi", "--yes"
        )
    )
    assert sent["data"]["sid"].startswith("SM") and sent["data"]["body"] == "hi"


def test_calls_list_each_app_and_since(trunkline_sandboxed: TrunklineProcess) -> None:
    for app, key in (("quo", "id"), ("twilio", "sid"), ("callrail", "id")):
        listed = ok(trunkline_sandboxed.cli("calls", "list", "--app", app, "--limit", "3"))
        assert listed["action"] == f"{app}.list_calls"
        assert 0 < len(listed["items"]) <= 3 and all(item[key] for item in listed["items"])
    recent = ok(trunkline_sandboxed.cli("calls", "list", "--app", "twilio", "--since", "7d"))
    assert recent["items"]
    future = ok(
        trunkline_sandboxed.cli("calls", "list", "--app", "twilio", "--since", "2099-01-01")
    )
    assert future["items"] == []


def test_calls_show_quo_has_transcript_and_summary(trunkline_sandboxed: TrunklineProcess) -> None:
    listed = ok(trunkline_sandboxed.cli("calls", "list", "--app", "quo", "--limit", "50"))
    answered = next(c for c in listed["items"] if c["status"] == "completed")
    shown = ok(trunkline_sandboxed.cli("calls", "show", answered["id"]))
    data = shown["data"]
    assert data["call"]["id"] == answered["id"]
    assert data["transcript"]["dialogue"] and data["summary"]["summary"]


def test_contacts_search(trunkline_sandboxed: TrunklineProcess) -> None:
    found = ok(trunkline_sandboxed.cli("contacts", "search", "maria"))
    names = [c["defaultFields"]["firstName"] for c in found["items"]]
    assert names == ["Maria"]


def test_run_types_arguments_from_the_schema(trunkline_sandboxed: TrunklineProcess) -> None:
    result = ok(
        trunkline_sandboxed.cli(
            "run", "twilio.list_calls", "--arg", "limit=2", "--arg", "status=completed"
        )
    )
    assert len(result["items"]) == 2 and {c["status"] for c in result["items"]} == {"completed"}
    tagged = ok(
        trunkline_sandboxed.cli(
            "run", "quo.search_contacts", "--arg-json", 'query="Lopez"', "--arg", "limit=1"
        )
    )
    assert tagged["count"] == 1


def test_run_errors_are_one_line(trunkline_sandboxed: TrunklineProcess) -> None:
    cases = [
        (("run", "quo.get_call", "--arg", "call_id=nope"), 2, "call_id: 'nope' does not match"),
        (("run", "quo.get_call", "--arg", "call_id=ACnope"), 5, "Call not found"),
        (("run", "quo.list_calls", "--arg", "limit=many"), 2, "'many' is not an integer"),
        (("run", "quo.list_calls", "--arg-json", "limit={"), 2, "--arg-json limit: not JSON"),
        (("run", "pigeon.fly"), 2, "no action named 'pigeon.fly'"),
        (("calls", "list", "--app", "pigeon"), 2, "choose one of quo, twilio, callrail"),
        (("calls", "list", "--since", "someday"), 2, "use 7d, 24h"),
    ]
    for args, code, message in cases:
        result = trunkline_sandboxed.cli(*args)
        assert result.returncode == code, (args, result.stderr)
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_run_lists_the_actions(trunkline_sandboxed: TrunklineProcess) -> None:
    names = [a["action"] for a in ok(trunkline_sandboxed.cli("run", "--list"))]
    assert {"quo.send_message", "twilio.list_calls", "callrail.list_calls"} <= set(names)


def test_calls_show_twilio_and_callrail(trunkline_sandboxed: TrunklineProcess) -> None:
    for app, key in (("twilio", "sid"), ("callrail", "id")):
        first = ok(trunkline_sandboxed.cli("calls", "list", "--app", app, "-L", "1"))["items"][0]
        shown = ok(trunkline_sandboxed.cli("calls", "show", first[key], "--app", app))
        assert shown["data"][key] == first[key]
