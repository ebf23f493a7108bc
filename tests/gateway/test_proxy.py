"""The gateway over real HTTP: trunkline serve → echo upstream on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import socket

import httpx
import pytest

from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess


def call(stack: TrunklineProcess, method: str, path: str, **kwargs: object) -> httpx.Response:
    headers = {**stack.headers(), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return httpx.request(method, stack.url + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("app", ["quo", "callrail", "twilio"])
def test_injects_each_providers_credential(stack: TrunklineProcess, app: str) -> None:
    r = call(stack, "GET", f"/{app}/anything/here")
    assert r.status_code == 200
    assert r.json()["headers"]["authorization"] == echo_mod.EXPECTED_AUTH[app]
    assert r.headers["x-request-id"]


def test_forwards_path_query_and_body_byte_exact(stack: TrunklineProcess) -> None:
    body = b"To=%2B15555550100&From=%2B15555550123&Body=hi+there&MediaUrl=a&MediaUrl=b"
    r = call(
        stack,
        "POST",
        "/twilio/2010-04-01/Accounts/AC1/Messages.json?PageSize=2&x=%2B1",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    seen = r.json()
    assert seen["raw_path"] == "/2010-04-01/Accounts/AC1/Messages.json"
    assert seen["query"] == "PageSize=2&x=%2B1"
    assert seen["body"] == body.decode()
    assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert seen["headers"]["content-length"] == str(len(body))


def test_header_hygiene(stack: TrunklineProcess) -> None:
    r = call(
        stack,
        "GET",
        "/quo/v1/echo",
        headers={
            "Cookie": "session=secret",
            "X-Maton-Client-User-Agent": '{"lang": "python"}',
            "Maton-Connection": stack.connections["quo"],
            "X-Custom": "kept",  # type: ignore[attr-defined]
            "User-Agent": "agent/1.0",
        },
    )
    sent = r.json()["headers"]
    assert "cookie" not in sent and "x-maton-client-user-agent" not in sent
    assert "maton-connection" not in sent
    assert sent["x-custom"] == "kept" and sent["user-agent"] == "agent/1.0"
    assert sent["host"].startswith("127.0.0.1")
    assert r.headers["x-upstream"] == "echo"
    assert r.headers.get("connection", "").lower() != "close"


def test_upstream_errors_pass_through_untouched(stack: TrunklineProcess) -> None:
    for code in (400, 404, 500):
        r = call(stack, "GET", f"/quo/status/{code}?retry_after=7")
        assert r.status_code == code
        assert r.json() == {"message": f"upstream said {code}", "code": code}
        assert r.headers["x-upstream"] == "yes" and r.headers["retry-after"] == "7"
    # Without Retry-After these pause nothing (tests/gateway/test_backpressure.py covers that).
    for code in (429, 503):
        r = call(stack, "GET", f"/quo/status/{code}")
        assert r.status_code == code
        assert r.json() == {"message": f"upstream said {code}", "code": code}


def test_connection_choice(stack: TrunklineProcess) -> None:
    quo_id = stack.connections["quo"]  # type: ignore[attr-defined]
    r = call(stack, "GET", "/quo/v1/echo", headers={"Maton-Connection": quo_id.upper()})
    assert r.status_code == 200
    for bad, code in [
        ("00000000-0000-0000-0000-000000000000", "connection_not_found"),
        ("not-a-uuid", "connection_not_found"),
        (stack.connections["twilio"], "connection_not_found"),
    ]:  # type: ignore[attr-defined]
        r = call(stack, "GET", "/quo/v1/echo", headers={"Maton-Connection": bad})
        assert r.status_code == 404 and r.json()["error"]["code"] == code


def test_pending_connection_is_409(stack: TrunklineProcess) -> None:
    created = call(stack, "POST", "/connections", json={"app": "callrail"}).json()["connection"]
    try:
        r = call(
            stack, "GET", "/callrail/v3/x", headers={"Maton-Connection": created["connection_id"]}
        )
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "connection_not_active"
        # Without the header the oldest ACTIVE one is used, not the pending one.
        assert call(stack, "GET", "/callrail/v3/x").status_code == 200
    finally:
        call(stack, "DELETE", f"/connections/{created['connection_id']}")


def test_unknown_app_and_auth(stack: TrunklineProcess) -> None:
    r = call(stack, "GET", "/nosuchapp/v1/x")
    assert r.status_code == 404 and r.json()["error"]["code"] == "app_not_found"
    for headers in ({}, {"Authorization": "Bearer tk_wrong"}, {"Authorization": "Basic abc"}):
        r = httpx.get(stack.url + "/quo/v1/x", headers=headers)
        assert r.status_code == 401
        err = r.json()["error"]
        assert err["code"] == "unauthorized" and err["request_id"] == r.headers["x-request-id"]


@pytest.mark.parametrize(
    "path",
    [
        "/quo//evil.example/x",
        "/quo/../connections",
        "/quo/v1/../../etc",
        "/quo/v1/%2e%2e/x",
        "/quo/v1/%2E%2e/x",
        "/quo/v1/.%2e/x",
        "/quo/v1/./x",
        "/quo/v1\\..\\x",
        "/quo/v1/%5c..",
        "/quo/v1/a%2fb",
        "/quo/v1/%00",
    ],
)
def test_path_cannot_escape(
    stack: TrunklineProcess, echo: tuple[str, echo_mod.EchoUpstream], path: str
) -> None:
    before = len(echo[1].seen)
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {stack.api_key}"
            "\r\nConnection: close\r\n\r\n".encode()
        )
        reply = _read_all(sock)
    status = int(reply.split(b" ", 2)[1])
    assert 400 <= status < 500, reply[:200]
    assert len(echo[1].seen) == before


def test_at_sign_does_not_change_host(stack: TrunklineProcess) -> None:
    r = call(stack, "GET", "/quo/@evil.example/x")
    assert r.status_code == 200
    assert r.json()["raw_path"] == "/@evil.example/x"


def test_crlf_in_headers_is_refused(
    stack: TrunklineProcess, echo: tuple[str, echo_mod.EchoUpstream]
) -> None:
    before = len(echo[1].seen)
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as sock:
        sock.sendall(
            f"GET /quo/v1/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {stack.api_key}"
            "\r\nX-Evil: a\rInjected: b\r\nConnection: close\r\n\r\n".encode()
        )
        reply = _read_all(sock)
    assert reply.startswith(b"HTTP/1.1 400")
    assert len(echo[1].seen) == before


def test_large_response_streams(stack: TrunklineProcess) -> None:
    size = 200 * 1024 * 1024
    rss_before = _peak_rss_kb(stack)
    digest = hashlib.sha256()
    got = 0
    with httpx.stream(
        "GET", f"{stack.url}/quo/big/{size}", headers=stack.headers(), timeout=60
    ) as r:
        assert r.status_code == 200 and r.headers["content-length"] == str(size)
        for chunk in r.iter_raw(1 << 20):
            digest.update(chunk)
            got += len(chunk)
    assert got == size
    assert digest.hexdigest() == hashlib.sha256(b"\xab" * size).hexdigest()
    grown_mb = (_peak_rss_kb(stack) - rss_before) / 1024
    assert grown_mb < 64, f"peak RSS grew by {grown_mb:.0f} MB while streaming 200 MB"


def test_large_request_streams(stack: TrunklineProcess) -> None:
    payload = bytes(range(256)) * (24 * 4096)  # 24 MiB
    r = call(stack, "PUT", "/quo/upload", content=payload)
    seen = r.json()
    assert seen["size"] == len(payload)
    assert seen["sha256"] == hashlib.sha256(payload).hexdigest()


def test_oversized_body_is_413(stack: TrunklineProcess) -> None:
    # The server is started with the default 50 MiB limit.
    r = call(stack, "POST", "/quo/upload", content=b"x" * (51 * 1024 * 1024))
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit is enforced while streaming
        for _ in range(52):
            yield b"y" * (1024 * 1024)

    r = call(stack, "POST", "/quo/upload", content=chunks())
    assert r.status_code == 413


def test_basic_auth_header_is_exact(stack: TrunklineProcess) -> None:
    r = call(stack, "GET", "/twilio/2010-04-01/Accounts.json")
    token = r.json()["headers"]["authorization"].split(" ", 1)[1]
    assert base64.b64decode(token).decode() == f"{echo_mod.TWILIO_SID}:{echo_mod.TWILIO_TOKEN}"


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _peak_rss_kb(stack: TrunklineProcess) -> int:
    assert stack.proc is not None
    with open(f"/proc/{stack.proc.pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")
