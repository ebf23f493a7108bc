"""The destinations API: its wire shape, validation at the edge, secrecy and isolation."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from tests.forwarding.conftest import CONN, Env, Receiver, open_env, wait_for
from trunkline.store import Connection
from trunkline.timeutil import now

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def assert_error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert error["code"] == code and error["status"] == status
    assert error["message"] and error["request_id"] == r.headers["x-request-id"]
    return error


async def test_create_get_list_patch_delete(env: Env, receiver: Receiver) -> None:
    r = await env.call(
        "POST", "/event-destinations", json={"url": receiver.url("a"), "types": ["message.*"]}
    )
    assert r.status_code == 201, r.text
    dst = r.json()["destination"]
    assert re.fullmatch(r"dst_[0-9a-z]{26}", dst["id"])
    assert dst["url"] == receiver.url("a") and dst["types"] == ["message.*"]
    assert dst["status"] == "enabled" and dst["disabled_reason"] is None
    assert dst["connection_id"] is None and dst["mode"] == "test"
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", dst["secret"])
    assert TIMESTAMP.match(dst["created_at"]) and TIMESTAMP.match(dst["updated_at"])
    shown = {k: v for k, v in dst.items() if k != "secret"}

    got = await env.call("GET", f"/event-destinations/{dst['id']}")
    assert got.json() == {"destination": shown}
    listed = await env.call("GET", "/event-destinations")
    assert listed.json() == {"destinations": [shown]}
    for response in (got, listed):
        assert dst["secret"] not in response.text and "secret" not in response.text

    r = await env.call(
        "PATCH",
        f"/event-destinations/{dst['id']}",
        json={"types": ["call.completed", "message.*"], "status": "disabled"},
    )
    patched = r.json()["destination"]
    assert patched["types"] == ["call.completed", "message.*"]
    assert patched["status"] == "disabled" and patched["disabled_reason"]
    r = await env.call("PATCH", f"/event-destinations/{dst['id']}", json={"status": "enabled"})
    assert r.json()["destination"]["status"] == "enabled"
    assert r.json()["destination"]["disabled_reason"] is None
    r = await env.call("PATCH", f"/event-destinations/{dst['id']}", json={"url": receiver.url("b")})
    assert r.json()["destination"]["url"] == receiver.url("b")

    assert (await env.call("DELETE", f"/event-destinations/{dst['id']}")).json() == {}
    assert_error(
        await env.call("GET", f"/event-destinations/{dst['id']}"), 404, "destination_not_found"
    )
    assert (await env.call("GET", "/event-destinations")).json() == {"destinations": []}


async def test_types_default_to_everything_and_are_validated(env: Env, receiver: Receiver) -> None:
    r = await env.call("POST", "/event-destinations", json={"url": receiver.url("a")})
    assert r.json()["destination"]["types"] == ["*"]
    r = await env.call(
        "POST",
        "/event-destinations",
        json={"url": receiver.url("a"), "types": ["message.received", "message.received", "*"]},
    )
    assert r.json()["destination"]["types"] == ["message.received", "*"]
    for bad in ([], ["message.**"], ["mess*"], [""], ["a..b"], ["*.received"], ["x" * 81], [3]):
        r = await env.call(
            "POST", "/event-destinations", json={"url": receiver.url("a"), "types": bad}
        )
        assert_error(r, 400, "invalid_request")
    dst = r = await env.call("POST", "/event-destinations", json={"url": receiver.url("a")})
    dst_id = dst.json()["destination"]["id"]
    r = await env.call("PATCH", f"/event-destinations/{dst_id}", json={"types": ["bad pattern"]})
    assert_error(r, 400, "invalid_request")
    r = await env.call("PATCH", f"/event-destinations/{dst_id}", json={"status": "paused"})
    assert_error(r, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "ftp://example.com/x"},
        {"url": "example.com/hook"},
        {"url": "http:///nohost"},
        {"url": "https://user:pw@example.com/hook"},
        {"url": "https://example.com/a#frag"},
        {"url": "https://exa mple.com/"},
        {"url": "https://example.com:99999/"},
        {"url": "https://example.com/", "extra": 1},
        {"url": "https://example.com/", "connection_id": 5},
    ],
)
async def test_malformed_bodies_are_400(env: Env, body: dict[str, Any]) -> None:
    assert_error(await env.call("POST", "/event-destinations", json=body), 400, "invalid_request")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[64:ff9b::a00:1]/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
    ],
)
async def test_private_destinations_refused_without_the_setting(sqlite_url: str, url: str) -> None:
    async with open_env(sqlite_url, start=False, allow_private_destinations=False) as env:
        r = await env.call("POST", "/event-destinations", json={"url": url})
        error = assert_error(r, 400, "destination_not_allowed")
        assert "TRUNKLINE_ALLOW_PRIVATE_DESTINATIONS" in error["message"]
        assert (await env.call("GET", "/event-destinations")).json() == {"destinations": []}


async def test_private_allowed_with_the_setting_and_rechecked_on_patch(sqlite_url: str) -> None:
    async with open_env(sqlite_url, start=False, allow_private_destinations=True) as env:
        r = await env.call("POST", "/event-destinations", json={"url": "http://127.0.0.1:9/h"})
        assert r.status_code == 201
        dst_id = r.json()["destination"]["id"]
    async with open_env(sqlite_url, start=False, allow_private_destinations=False) as env:
        # A new service on the same store, without the setting: the old destination is not
        # its (another account), but a PATCH to a private URL on a public one is refused.
        r = await env.call("POST", "/event-destinations", json={"url": "http://93.184.215.14/h"})
        assert r.status_code == 201, r.text
        public = r.json()["destination"]["id"]
        r = await env.call(
            "PATCH", f"/event-destinations/{public}", json={"url": "http://[::1]:8000/x"}
        )
        assert_error(r, 400, "destination_not_allowed")
        assert_error(
            await env.call("GET", f"/event-destinations/{dst_id}"), 404, "destination_not_found"
        )


async def test_other_accounts_and_modes_see_404(env: Env, receiver: Receiver) -> None:
    dst = await env.destination(receiver, "a")
    event = await env.event(announce=False)
    for key in ("live", "other"):
        for method, path, body in (
            ("GET", f"/event-destinations/{dst['id']}", None),
            ("PATCH", f"/event-destinations/{dst['id']}", {"status": "disabled"}),
            ("DELETE", f"/event-destinations/{dst['id']}", None),
            ("GET", f"/event-destinations/{dst['id']}/deliveries", None),
            ("POST", f"/events/{event.id}/replay", {}),
        ):
            r = await env.call(method, path, key=key, json=body)
            code = "event_not_found" if "replay" in path else "destination_not_found"
            assert_error(r, 404, code)
        assert (await env.call("GET", "/event-destinations", key=key)).json() == {
            "destinations": []
        }
    r = await env.call("POST", f"/events/{event.id}/replay", json={"destination_id": dst["id"]})
    assert r.status_code == 202
    for junk in ("nope", "dst_", "dst_" + "z" * 40, "DST_X", "dst_%00"):
        assert_error(
            await env.call("GET", f"/event-destinations/{junk}"), 404, "destination_not_found"
        )
    assert (await env.call("GET", f"/event-destinations/{dst['id']}")).status_code == 200


async def test_unauthenticated_calls_are_401(env: Env) -> None:
    r = await env.api.get("/event-destinations")
    assert_error(r, 401, "unauthorized")
    r = await env.api.post("/events/evt_x/replay", headers={"authorization": "Bearer nope"})
    assert_error(r, 401, "unauthorized")


async def test_connection_scope(env: Env, receiver: Receiver) -> None:
    r = await env.call(
        "POST", "/event-destinations", json={"url": receiver.url("a"), "connection_id": CONN}
    )
    assert_error(r, 404, "connection_not_found")
    stamp = now()
    async with env.sessions() as db, db.begin():
        for mode, conn_id in (("test", CONN), ("live", CONN.replace("1", "2"))):
            db.add(
                Connection(
                    id=conn_id,
                    account_id=env.account_id,
                    app="quo",
                    mode=mode,
                    method="API_KEY",
                    status="ACTIVE",
                    meta={},
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
    dst = await env.destination(receiver, "scoped", connection_id=CONN)
    assert dst["connection_id"] == CONN
    r = await env.call(
        "POST",
        "/event-destinations",
        json={"url": receiver.url("a"), "connection_id": CONN.replace("1", "2")},
    )
    assert_error(r, 404, "connection_not_found")  # the live-mode connection, with a test key
    await env.event(connection_id=CONN.replace("1", "3"))
    scoped = await env.event(connection_id=CONN)
    await wait_for(lambda: receiver.verified("scoped"))
    assert [h.payload["id"] for h in receiver.verified("scoped")] == [scoped.id]


async def test_secrets_never_reach_the_logs(env: Env, receiver: Receiver) -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(logging.DEBUG)
    logger = logging.getLogger("trunkline")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        dst = await env.destination(receiver, "a")
        await env.event()
        await wait_for(lambda: receiver.verified("a"))
        await env.call("GET", "/event-destinations")
        await wait_for(lambda: any(r.getMessage() == "event delivery attempt" for r in records))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    text = "\n".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in records)
    assert dst["id"] in text
    assert dst["secret"].removeprefix("whsec_") not in text
    assert receiver.url("a") not in text


async def test_too_many_destinations(sqlite_url: str, receiver: Receiver) -> None:
    from trunkline.forwarding import service

    async with open_env(sqlite_url, start=False) as env:
        limit, service.MAX_DESTINATIONS = service.MAX_DESTINATIONS, 2
        try:
            for _ in range(2):
                await env.destination(receiver, "a")
            r = await env.call("POST", "/event-destinations", json={"url": receiver.url("a")})
            assert_error(r, 409, "too_many_destinations")
            live = await env.call(
                "POST", "/event-destinations", key="live", json={"url": receiver.url("a")}
            )
            assert live.status_code == 201
        finally:
            service.MAX_DESTINATIONS = limit
