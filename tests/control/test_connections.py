"""The control API's wire contract, over real HTTP."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def api(stack: TrunklineProcess, method: str, path: str, **kwargs: object) -> httpx.Response:
    headers = {**stack.headers(), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return httpx.request(method, stack.url + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def assert_error(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code and error["status"] == status
    assert error["message"] and error["request_id"] == r.headers["x-request-id"]


def test_create_get_list_delete(stack: TrunklineProcess) -> None:
    r = api(stack, "POST", "/connections", json={"app": "quo"})
    assert r.status_code == 201
    conn = r.json()["connection"]
    assert str(uuid.UUID(conn["connection_id"])) == conn["connection_id"]
    assert conn["status"] == "PENDING" and conn["app"] == "quo" and conn["method"] == "API_KEY"
    assert TIMESTAMP.match(conn["creation_time"]) and TIMESTAMP.match(conn["last_updated_time"])
    assert conn["url"].startswith(stack.url + "/connect?session_token=")
    assert conn["metadata"] == {}
    got = api(stack, "GET", f"/connections/{conn['connection_id']}").json()
    assert got == {"connection": conn}
    listed = api(stack, "GET", "/connections", params={"app": "quo"}).json()["connections"]
    assert listed[-1] == conn
    assert [c["creation_time"] for c in listed] == sorted(c["creation_time"] for c in listed)
    assert api(stack, "DELETE", f"/connections/{conn['connection_id']}").json() == {}
    assert_error(
        api(stack, "GET", f"/connections/{conn['connection_id']}"), 404, "connection_not_found"
    )


def test_list_filters(stack: TrunklineProcess) -> None:
    active = api(stack, "GET", "/connections", params={"status": "ACTIVE"}).json()["connections"]
    assert {c["app"] for c in active} == {"quo", "twilio", "callrail"}
    basic = api(stack, "GET", "/connections", params={"method": "BASIC"}).json()["connections"]
    assert [c["app"] for c in basic] == ["twilio"]
    assert api(stack, "GET", "/connections", params={"method": "OAUTH1"}).json() == {
        "connections": []
    }
    assert api(stack, "GET", "/connections", params={"limit": 0}).json() == {"connections": []}
    assert len(api(stack, "GET", "/connections", params={"limit": 1}).json()["connections"]) == 1
    assert_error(
        api(stack, "GET", "/connections", params={"status": "DONE"}), 400, "invalid_request"
    )
    assert_error(api(stack, "GET", "/connections", params={"limit": "-1"}), 400, "invalid_request")


def test_headless_credentials_record_identity(stack: TrunklineProcess) -> None:
    r = api(
        stack,
        "POST",
        "/connections",
        json={
            "app": "twilio",
            "credentials": {
                "account_sid": echo_mod.TWILIO_SID,
                "auth_token": echo_mod.TWILIO_TOKEN,
            },
        },
    )
    conn = r.json()["connection"]
    try:
        assert r.status_code == 201 and conn["status"] == "ACTIVE"
        assert conn["metadata"]["account_sid"] == echo_mod.TWILIO_SID
        assert conn["metadata"]["friendly_name"] == "Test"
        assert echo_mod.TWILIO_TOKEN not in r.text
    finally:
        api(stack, "DELETE", f"/connections/{conn['connection_id']}")


def test_rejected_credential_stores_nothing(stack: TrunklineProcess) -> None:
    before = api(stack, "GET", "/connections").json()
    r = api(
        stack,
        "POST",
        "/connections",
        json={"app": "quo", "credentials": {"api_key": "wrongKEYwrongKEYwrong"}},
    )
    assert_error(r, 400, "credential_rejected")
    assert "Invalid API key" in r.json()["error"]["message"]
    assert "wrongKEYwrongKEYwrong" not in r.text
    assert api(stack, "GET", "/connections").json() == before


@pytest.mark.parametrize(
    "body, headers",
    [
        (b"{not json", {"Content-Type": "application/json"}),
        (b"\xff\xfe{}", {"Content-Type": "application/json"}),
        (b"[1, 2]", {}),
        (b'{"app": "quo", "colour": "red"}', {}),
        (b'{"app": 7}', {}),
        (b'{"app": "quo", "credentials": "abc"}', {}),
        (b'{"app": "quo", "credentials": {"api_key": 5}}', {}),
        (b'{"app": "quo", "credentials": {"api_key": "short"}}', {}),
        (b'{"app": "quo", "credentials": {"api_key": "x", "extra": "y"}}', {}),
        (b'{"app": "twilio", "method": "API_KEY"}', {}),
        (b'{"app": "quo", "method": "PIGEON"}', {}),
        (b"{}", {}),
    ],
)
def test_bad_create_bodies_are_400_and_change_nothing(
    stack: TrunklineProcess, body: bytes, headers: dict[str, str]
) -> None:
    before = api(stack, "GET", "/connections").json()
    code = "unsupported_method" if b'"API_KEY"' in body else "invalid_request"
    assert_error(api(stack, "POST", "/connections", content=body, headers=headers), 400, code)
    assert api(stack, "GET", "/connections").json() == before


def test_unknown_app_on_create_is_404(stack: TrunklineProcess) -> None:
    assert_error(
        api(stack, "POST", "/connections", json={"app": "pigeon-post"}), 404, "app_not_found"
    )


def test_control_auth_and_routing_errors(stack: TrunklineProcess) -> None:
    r = httpx.get(stack.url + "/connections")
    assert_error(r, 401, "unauthorized")
    r = httpx.get(stack.url + "/connections", headers={"Authorization": "Bearer nope"})
    assert_error(r, 401, "unauthorized")
    assert_error(api(stack, "PATCH", "/connections"), 405, "method_not_allowed")
    assert_error(api(stack, "GET", "/connections/abc/def"), 404, "not_found")


def test_apps_catalogue_has_no_values(stack: TrunklineProcess) -> None:
    apps = api(stack, "GET", "/apps").json()["apps"]
    by_slug = {a["app"]: a for a in apps}
    assert {"quo", "twilio", "callrail"} <= set(by_slug)
    assert [f["name"] for f in by_slug["twilio"]["credentials"]] == ["account_sid", "auth_token"]
    assert by_slug["callrail"]["method"] == "API_KEY" and by_slug["twilio"]["method"] == "BASIC"
    assert api(stack, "GET", "/apps/quo").json()["app"]["app"] == "quo"
    assert_error(api(stack, "GET", "/apps/nope"), 404, "app_not_found")


def test_healthz(stack: TrunklineProcess) -> None:
    r = httpx.get(stack.url + "/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.headers["x-request-id"]


def test_accounts_are_isolated(
    stack: TrunklineProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A key of another account sees none of this account's connections, and cannot use them.
    The account and its key are made with the CLI, as an operator would, while serving."""
    import subprocess

    from tests.support.process import BIN

    def cli(*args: str) -> str:
        done = subprocess.run(
            [str(BIN), *args, "--data-dir", str(stack.data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    cli("accounts", "create", "other")
    other = cli("keys", "create", "--account", "other", "--mode", "live")
    assert other.startswith("tk_live_")
    assert "other" in cli("accounts", "list", "--json")

    headers = {"Authorization": f"Bearer {other}"}
    assert httpx.get(stack.url + "/connections", headers=headers).json() == {"connections": []}
    quo_id = stack.connections["quo"]  # type: ignore[attr-defined]
    r = httpx.get(f"{stack.url}/connections/{quo_id}", headers=headers)
    assert_error(r, 404, "connection_not_found")
    assert_error(
        httpx.delete(f"{stack.url}/connections/{quo_id}", headers=headers),
        404,
        "connection_not_found",
    )
    r = httpx.get(stack.url + "/quo/v1/x", headers={**headers, "Maton-Connection": quo_id})
    assert_error(r, 404, "connection_not_found")
    assert_error(httpx.get(stack.url + "/quo/v1/x", headers=headers), 400, "no_active_connection")
    for method, path in (
        ("POST", f"/connections/{quo_id}/reconnect"),
        ("GET", f"/connections/{quo_id}/subscriptions"),
        ("POST", f"/connections/{quo_id}/subscriptions"),
        ("GET", f"/connections/{quo_id}/ingress"),
        ("POST", f"/connections/{quo_id}/ingress/rotate"),
    ):
        r = httpx.request(method, stack.url + path, headers=headers, json={})
        assert_error(r, 404, "connection_not_found")
    # and the owner still has it, unchanged
    got = api(stack, "GET", f"/connections/{quo_id}")
    assert got.status_code == 200 and got.json()["connection"]["status"] == "ACTIVE"


def test_secrets_never_logged(stack: TrunklineProcess) -> None:
    api(stack, "GET", "/quo/v1/phone-numbers")
    api(
        stack,
        "POST",
        "/connections",
        json={"app": "quo", "credentials": {"api_key": "wrongKEYwrongKEYwrong"}},
    )
    logs = stack.stdout() + stack.stderr()
    assert '"logger":"trunkline.access"' in logs
    for secret in (
        echo_mod.QUO_KEY,
        echo_mod.CALLRAIL_KEY,
        echo_mod.TWILIO_TOKEN,
        "wrongKEYwrongKEYwrong",
        stack.api_key or "missing-key",
    ):
        if secret == stack.api_key:
            # printed once on first start (stdout), never in logs
            assert secret not in stack.stderr()
        else:
            assert secret not in logs
    db = (stack.data_dir / "trunkline.db").read_bytes()
    for secret in (echo_mod.QUO_KEY, echo_mod.CALLRAIL_KEY, echo_mod.TWILIO_TOKEN):
        assert secret.encode() not in db
