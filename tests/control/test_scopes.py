"""Scoped keys on the control API: a read-only key reads but changes nothing; app and
connection scopes hide what is outside them from listings and refuse it by name."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess


def scoped_key(stack: TrunklineProcess, *flags: str) -> str:
    made = stack.cli("keys", "create", "--data-dir", str(stack.data_dir), "--mode", "live", *flags)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def call(stack: TrunklineProcess, key: str, method: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.request(method, stack.url + path, headers=stack.headers(key), timeout=30, **kw)


def assert_refused(r: httpx.Response, code: str) -> None:
    assert r.status_code == 403, r.text
    error = r.json()["error"]
    assert (error["code"], error["status"]) == (code, 403) and error["request_id"]


def test_read_only_key_on_the_control_api(stack: TrunklineProcess) -> None:
    key = scoped_key(stack, "--read-only")
    quo = stack.connections["quo"]  # type: ignore[attr-defined]
    assert call(stack, key, "GET", "/connections").status_code == 200
    assert call(stack, key, "GET", f"/connections/{quo}").status_code == 200
    assert call(stack, key, "GET", "/events").status_code == 200
    assert call(stack, key, "GET", "/event-destinations").status_code == 200
    made = {"app": "callrail", "credentials": {"api_key": echo_mod.CALLRAIL_KEY}}
    for method, path, body in [
        ("POST", "/connections", made),
        ("DELETE", f"/connections/{quo}", None),
        ("POST", f"/connections/{quo}/reconnect", {}),
        ("POST", f"/connections/{quo}/subscriptions", {"events": ["message.received"]}),
        ("POST", f"/connections/{quo}/ingress/rotate", None),
        ("POST", "/event-destinations", {"url": "https://example.com/hook"}),
    ]:
        assert_refused(call(stack, key, method, path, json=body), "scope_read_only")
    # Nothing changed: the connection is still there and still the only quo one.
    listed = call(stack, stack.api_key or "", "GET", "/connections?app=quo").json()
    assert [c["connection_id"] for c in listed["connections"]] == [quo]


def test_connection_scope_on_the_control_api(stack: TrunklineProcess) -> None:
    conns = stack.connections  # type: ignore[attr-defined]
    key = scoped_key(stack, "--connections", conns["quo"])
    listed = call(stack, key, "GET", "/connections").json()["connections"]
    assert [c["connection_id"] for c in listed] == [conns["quo"]]
    assert call(stack, key, "GET", f"/connections/{conns['quo']}").status_code == 200
    assert_refused(call(stack, key, "GET", f"/connections/{conns['twilio']}"), "scope_connection")
    r = call(stack, key, "DELETE", f"/connections/{conns['twilio']}")
    assert_refused(r, "scope_connection")
    r = call(stack, key, "GET", f"/connections/{conns['twilio']}/subscriptions")
    assert_refused(r, "scope_connection")
    full = stack.api_key or ""
    assert call(stack, full, "GET", f"/connections/{conns['twilio']}").status_code == 200


def test_app_scope_on_the_control_api(stack: TrunklineProcess) -> None:
    conns = stack.connections  # type: ignore[attr-defined]
    key = scoped_key(stack, "--apps", "quo,twilio")
    listed = call(stack, key, "GET", "/connections").json()["connections"]
    assert {c["app"] for c in listed} == {"quo", "twilio"}
    assert_refused(call(stack, key, "GET", f"/connections/{conns['callrail']}"), "scope_app")
    made = {"app": "callrail", "credentials": {"api_key": echo_mod.CALLRAIL_KEY}}
    assert_refused(call(stack, key, "POST", "/connections", json=made), "scope_app")
    r = call(stack, key, "GET", f"/connections/{conns['callrail']}/ingress")
    assert_refused(r, "scope_app")


def test_event_listings_keep_to_the_scope(trunkline_sandboxed: TrunklineProcess) -> None:
    """A customer texts the Quo sandbox: a Twilio-only key neither lists nor reads the event."""
    proc = trunkline_sandboxed
    marker = f"scoped inbox {uuid.uuid4().hex}"
    inbound = {"from": "+14155550177", "to": "+14155550123", "text": marker}
    r = httpx.post(
        proc.url + "/quo/_sandbox/messages/inbound", headers=proc.headers(), json=inbound
    )
    assert r.status_code == 201, r.text
    found = _event_with(proc, proc.api_key or "", marker)
    assert found is not None, "the inbound text never became an event"
    data = str(proc.data_dir)
    flags = ("keys", "create", "--data-dir", data, "--mode", "test")
    twilio_only = proc.cli(*flags, "--apps", "twilio").stdout.strip()
    quo_only = proc.cli(*flags, "--apps", "quo").stdout.strip()
    assert _event_with(proc, twilio_only, marker, wait=0) is None
    assert_refused(call(proc, twilio_only, "GET", f"/events/{found['id']}"), "scope_app")
    assert _event_with(proc, quo_only, marker, wait=0) == found
    assert call(proc, quo_only, "GET", f"/events/{found['id']}").json()["event"] == found


def _event_with(
    proc: TrunklineProcess, key: str, text: str, wait: float = 10
) -> dict[str, Any] | None:
    """The message.received event carrying ``text``, read page by page to the end of the inbox
    (a scoped key's pages may be empty while the cursor moves on), waiting up to ``wait``
    seconds for it; None when it is not there."""
    deadline = time.monotonic() + wait
    after = ""
    while True:
        query = f"type=message.received&limit=500&wait={min(5, wait)}" + (
            f"&after={after}" if after else ""
        )
        page = call(proc, key, "GET", f"/events?{query}").json()
        for event in page["events"]:
            if event["data"].get("text") == text:
                return dict(event)
        moved = bool(page["next_cursor"]) and page["next_cursor"] != after
        after = page["next_cursor"] or after
        if not moved and time.monotonic() >= deadline:  # read to the end, and waited
            return None


def test_scoped_keys_forward_only_their_connections_events(stack: TrunklineProcess) -> None:
    """An account-wide destination would forward every connection's events, so a key limited
    to some apps or connections may only make, see and change destinations of its own."""
    conns = stack.connections  # type: ignore[attr-defined]
    full = stack.api_key or ""
    hook = "https://93.184.215.14/hook"  # a public address: accepted without resolving a name

    def make(key: str, **body: Any) -> httpx.Response:
        return call(stack, key, "POST", "/event-destinations", json={"url": hook, **body})

    everything = make(full).json()["destination"]["id"]
    twilio_only = make(full, connection_id=conns["twilio"]).json()["destination"]["id"]
    key = scoped_key(stack, "--connections", conns["quo"])
    made: list[str] = []
    try:
        assert_refused(make(key), "scope_connection")
        assert_refused(make(key, connection_id=conns["twilio"]), "scope_connection")
        assert_refused(make(scoped_key(stack, "--apps", "quo"), connection_id=conns["twilio"]),
                       "scope_app")  # fmt: skip
        r = make(key, connection_id=conns["quo"])
        assert r.status_code == 201, r.text
        made.append(r.json()["destination"]["id"])
        listed = call(stack, key, "GET", "/event-destinations").json()["destinations"]
        assert [d["id"] for d in listed] == made
        for other in (everything, twilio_only):
            assert call(stack, key, "GET", f"/event-destinations/{other}").status_code == 404
            r = call(stack, key, "DELETE", f"/event-destinations/{other}")
            assert r.status_code == 404
            r = call(stack, key, "PATCH", f"/event-destinations/{other}", json={"url": hook})
            assert r.status_code == 404
            assert call(stack, full, "GET", f"/event-destinations/{other}").status_code == 200
        everyone = call(stack, full, "GET", "/event-destinations").json()["destinations"]
        assert {everything, twilio_only, *made} <= {d["id"] for d in everyone}
    finally:
        for dst in (everything, twilio_only, *made):
            call(stack, full, "DELETE", f"/event-destinations/{dst}")
