"""Scoped keys at the gateway, over real HTTP (echo upstream): each part of a scope lets its
requests through and refuses the rest with 403 in the error shape, forwarding nothing."""

from __future__ import annotations

import base64
import gzip
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest

from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess

Echo = tuple[str, echo_mod.EchoUpstream]
INSIDE, OUTSIDE = "+15551234567", "+14155550100"
TWILIO_MESSAGES = f"/twilio/2010-04-01/Accounts/{echo_mod.TWILIO_SID}/Messages.json"


def scoped_key(stack: TrunklineProcess, *flags: str) -> str:
    made = stack.cli("keys", "create", "--data-dir", str(stack.data_dir), "--mode", "live", *flags)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def call(
    stack: TrunklineProcess, key: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}", **kwargs.pop("headers", {})}
    return httpx.request(method, stack.url + path, headers=headers, timeout=30, **kwargs)


def refused(
    stack: TrunklineProcess, echo: Echo, code: str, status: int, method: str, path: str, **kw: Any
) -> dict[str, Any]:
    """The call (``key=`` names the key) is refused with ``code``; nothing reaches the provider."""
    before = len(echo[1].seen)
    r = call(stack, kw.pop("key"), method, path, **kw)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["status"] == status and error["request_id"]
    assert len(echo[1].seen) == before
    return dict(error)


def quo_text(to: Any) -> dict[str, Any]:
    return {"content": "hello there", "from": "+15555550123", "to": to}


def test_read_only_key_reads_but_changes_nothing(stack: TrunklineProcess, echo: Echo) -> None:
    key = scoped_key(stack, "--read-only")
    assert call(stack, key, "GET", "/quo/v1/contacts").status_code == 200
    assert call(stack, key, "HEAD", "/quo/v1/contacts").status_code == 200
    error = refused(
        stack, echo, "scope_read_only", 403, "POST", "/quo/v1/messages", key=key,
        json=quo_text([INSIDE]),
    )  # fmt: skip
    assert "read-only" in error["message"]
    for method in ("PUT", "PATCH", "DELETE"):
        refused(stack, echo, "scope_read_only", 403, method, "/quo/v1/contacts/1", key=key)


def test_app_scope(stack: TrunklineProcess, echo: Echo) -> None:
    key = scoped_key(stack, "--apps", "quo")
    assert call(stack, key, "GET", "/quo/v1/anything").status_code == 200
    error = refused(stack, echo, "scope_app", 403, "GET", "/callrail/v3/x", key=key)
    assert "quo" in error["message"] and "callrail" in error["message"]
    # The native slot of another app's client changes nothing.
    basic = "Basic " + base64.b64encode(f"{echo_mod.TWILIO_SID}:{key}".encode()).decode()
    refused(
        stack, echo, "scope_app", 403, "GET", "/twilio/2010-04-01/x", key=key,
        headers={"Authorization": basic},
    )  # fmt: skip


def test_connection_scope(stack: TrunklineProcess, echo: Echo) -> None:
    conns = stack.connections  # type: ignore[attr-defined]
    key = scoped_key(stack, "--connections", conns["quo"])
    r = call(stack, key, "GET", "/quo/v1/x", headers={"Maton-Connection": conns["quo"]})
    assert r.status_code == 200
    error = refused(stack, echo, "scope_connection", 403, "GET", "/twilio/2010-04-01/x", key=key)
    assert conns["quo"] in error["message"] and "twilio" in error["message"]
    refused(
        stack, echo, "scope_connection", 403, "GET", "/callrail/v3/x", key=key,
        headers={"Maton-Connection": conns["callrail"]},
    )  # fmt: skip
    # Naming none: the first of the key's connections that is one of this app's.
    twilio_basic = "Basic " + base64.b64encode(f"SK{'0' * 32}:{key}".encode()).decode()
    refused(
        stack, echo, "scope_connection", 403, "GET", "/twilio/2010-04-01/x", key=key,
        headers={"Authorization": twilio_basic},
    )  # fmt: skip
    both = scoped_key(stack, "--connections", f"{conns['callrail']},{conns['quo']}")
    for app, path in [("quo", "/quo/v1/x"), ("callrail", "/callrail/v3/x")]:
        r = call(stack, both, "GET", path)
        assert r.status_code == 200, r.text
        assert r.json()["headers"]["authorization"] == echo_mod.EXPECTED_AUTH[app]


def test_destination_scope_on_quo(stack: TrunklineProcess, echo: Echo) -> None:
    key = scoped_key(stack, "--to", "+1555*")
    r = call(stack, key, "POST", "/quo/v1/messages", json=quo_text([INSIDE]))
    assert r.status_code == 200, r.text
    assert r.json()["body"] == json.dumps(quo_text([INSIDE]), separators=(",", ":"))
    error = refused(
        stack, echo, "scope_destination", 403, "POST", "/quo/v1/messages", key=key,
        json=quo_text([OUTSIDE]),
    )  # fmt: skip
    assert OUTSIDE in error["message"] and "+1555*" in error["message"]
    # Every recipient must match; other spellings of the path are the same send.
    for path, to in [
        ("/quo/v1/messages", [INSIDE, OUTSIDE]),
        ("/quo/v1/Messages/", [OUTSIDE]),
        ("/quo/v1/%6Dessages", [OUTSIDE]),
        ("/quo/v1/messages", OUTSIDE),
    ]:
        refused(stack, echo, "scope_destination", 403, "POST", path, key=key, json=quo_text(to))
    refused(
        stack, echo, "scope_destination", 403, "POST", "/quo/v1/messages", key=key,
        json={"content": "no recipient"},
    )  # fmt: skip
    # A resend names no recipient: a key limited by destination may not make one.
    refused(stack, echo, "scope_destination", 403, "POST", "/quo/messages/AC1/retry", key=key)
    # Other writes are no sends: they pass, their bodies unread.
    assert call(stack, key, "POST", "/quo/v1/contacts", content=b"\x00 not json").status_code == 200


def test_unreadable_send_bodies_are_refused(stack: TrunklineProcess, echo: Echo) -> None:
    key = scoped_key(stack, "--to", "+1555*")
    refused(
        stack, echo, "unreadable_send", 400, "POST", "/quo/v1/messages", key=key,
        content=b"{not json",
    )  # fmt: skip
    refused(
        stack, echo, "unreadable_send", 400, "POST", "/quo/v1/messages", key=key,
        content=gzip.compress(orjson.dumps(quo_text([INSIDE]))),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )  # fmt: skip
    refused(
        stack, echo, "unreadable_send", 400, "POST", "/quo/v1/messages", key=key,
        json=quo_text([{"number": INSIDE}]),
    )  # fmt: skip

    def chunks() -> Any:  # no Content-Length: read whole anyway, then checked
        yield orjson.dumps(quo_text([OUTSIDE]))

    refused(
        stack, echo, "scope_destination", 403, "POST", "/quo/v1/messages", key=key,
        content=chunks(),
    )  # fmt: skip


def test_destination_scope_on_twilio_with_its_own_client_slot(
    stack: TrunklineProcess, echo: Echo
) -> None:
    """twilio.rest.Client(ACCOUNT_SID, key): HTTP Basic, the key as the password; form bodies."""
    key = scoped_key(stack, "--to", "+1555*", "--to", "+1666555000?")
    basic = "Basic " + base64.b64encode(f"{echo_mod.TWILIO_SID}:{key}".encode()).decode()
    auth = {"Authorization": basic}
    for to in (INSIDE, "+16665550007"):
        r = httpx.post(
            stack.url + TWILIO_MESSAGES, headers=auth, data={"To": to, "Body": "hi"}, timeout=30
        )
        assert r.status_code == 200, r.text
    calls = TWILIO_MESSAGES.replace("Messages", "Calls")
    for path, form in [
        (TWILIO_MESSAGES, {"To": OUTSIDE, "Body": "hi"}),
        (TWILIO_MESSAGES, {"To": "+166655500077"}),  # ? is one digit
        (TWILIO_MESSAGES, [("To", INSIDE), ("To", OUTSIDE)]),
        (TWILIO_MESSAGES.replace(".json", ""), {"To": OUTSIDE}),
        (calls, {"To": OUTSIDE, "Url": "https://example.com/twiml"}),
        (TWILIO_MESSAGES, {"Body": "no recipient"}),
    ]:
        before = len(echo[1].seen)
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        body = urlencode(form)
        r = httpx.post(stack.url + path, headers={**auth, **form_type}, content=body, timeout=30)
        assert r.status_code == 403, (path, form, r.text)
        assert r.json()["error"]["code"] == "scope_destination"
        assert len(echo[1].seen) == before


def test_send_budget(stack: TrunklineProcess, echo: Echo) -> None:
    key = scoped_key(stack, "--sends-per-hour", "2")
    for _ in range(2):
        assert (
            call(stack, key, "POST", "/quo/v1/messages", json=quo_text([INSIDE])).status_code == 200
        )
    before = len(echo[1].seen)
    r = call(stack, key, "POST", "/quo/v1/messages", json=quo_text([INSIDE]))
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "send_budget_exceeded"
    assert "2 per hour" in r.json()["error"]["message"]
    assert 3000 < int(r.headers["Retry-After"]) <= 3601
    assert len(echo[1].seen) == before
    # Reads and other writes are no sends; another key has its own budget.
    assert call(stack, key, "GET", "/quo/v1/messages").status_code == 200
    assert call(stack, key, "POST", "/quo/v1/contacts", json={}).status_code == 200
    other = scoped_key(stack, "--sends-per-day", "1")
    assert (
        call(stack, other, "POST", "/quo/v1/messages", json=quo_text([INSIDE])).status_code == 200
    )
    r = call(stack, other, "POST", "/quo/v1/messages", json=quo_text([INSIDE]))
    assert r.status_code == 429 and r.json()["error"]["code"] == "send_budget_exceeded"


def test_access_log_names_key_and_action_and_strips_the_header(
    stack: TrunklineProcess, echo: Echo
) -> None:
    key = scoped_key(stack, "--to", "+1555*")
    marker = f"audit.check_{time.monotonic_ns()}"
    r = call(
        stack, key, "POST", "/quo/v1/messages", json=quo_text([OUTSIDE]),
        headers={"Trunkline-Action": marker},
    )  # fmt: skip
    assert r.status_code == 403
    r = call(stack, key, "GET", "/quo/v1/x", headers={"Trunkline-Action": marker})
    assert "trunkline-action" not in r.json()["headers"]
    key_id = next(k["id"] for k in _keys(stack) if key.startswith(k["prefix"]))
    lines = _log_lines(stack, marker, 2)
    assert [line["status"] for line in lines] == [403, 200]
    assert lines[0]["error"] == "scope_destination" and lines[0]["key"] == key_id
    assert lines[0]["connection"] == stack.connections["quo"]  # type: ignore[attr-defined]
    assert "hello there" not in stack.stderr()  # never a message body


def _keys(stack: TrunklineProcess) -> list[dict[str, Any]]:
    listed = stack.cli("keys", "list", "--data-dir", str(stack.data_dir), "--json")
    assert listed.returncode == 0, listed.stderr
    return list(json.loads(listed.stdout))


def _log_lines(stack: TrunklineProcess, action: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        lines = [
            json.loads(line)
            for line in stack.stderr().splitlines()
            if line.startswith("{") and f'"action":"{action}"' in line
        ]
        if len(lines) >= count or time.monotonic() > deadline:
            assert len(lines) == count, lines
            return lines
        time.sleep(0.05)


def test_listing_shows_the_scope_never_the_key(stack: TrunklineProcess) -> None:
    key = scoped_key(stack, "--read-only", "--apps", "quo,twilio", "--to", "+1555*")
    mine = next(k for k in _keys(stack) if key.startswith(k["prefix"]))
    assert mine["scope"] == {
        "apps": ["quo", "twilio"],
        "connections": None,
        "read_only": True,
        "to": ["+1555*"],
        "sends_per_hour": None,
        "sends_per_day": None,
    }
    assert key not in json.dumps(_keys(stack))
    user = call(stack, key, "GET", "/user").json()
    assert user["scope"] == mine["scope"] and user["key_id"] == mine["id"]
    assert call(stack, stack.api_key or "", "GET", "/user").json()["scope"]["apps"] is None


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--to", "1555*"], "'1555*' is not valid"),
        (["--to", "+1555-*"], "'+1555-*' is not valid"),
        (["--apps", "Quo!"], "'Quo!' is not valid"),
        (["--sends-per-hour", "0"], "sends per hour must be a whole number"),
        (["--apps", "quo,qou"], "unknown app 'qou'; the apps are callrail, quo,"),
    ],
)
def test_bad_scopes_are_one_clear_line(
    stack: TrunklineProcess, flags: list[str], says: str
) -> None:
    made = stack.cli("keys", "create", "--data-dir", str(stack.data_dir), "--mode", "live", *flags)
    assert made.returncode != 0 and made.stdout == ""
    assert says in made.stderr and made.stderr.count("\n") == 1
