"""A provider that is slow, refuses, resets mid-body, answers garbage or fails: each caller gets
the documented answer (docs/faults.md) in the error shape, the server lets go of every socket it
opened, and nothing stored is lost."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults.conftest import connect_faulty, faulty_env, open_fds, until
from tests.support.faulty import FaultyUpstream
from tests.support.process import TrunklineProcess


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, faulty: FaultyUpstream
) -> Iterator[TrunklineProcess]:
    data = tmp_path_factory.mktemp("faults") / "data"
    env = faulty_env(faulty.url, TRUNKLINE_UPSTREAM_READ_TIMEOUT="1")
    proc = TrunklineProcess(data, env=env, args=["--no-sandbox"]).start()
    proc.connection = connect_faulty(proc)  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        proc.stop()


def call(proc: TrunklineProcess, method: str, path: str, **kw: object) -> httpx.Response:
    # A fresh client connection each time: only the server's own sockets stay to count.
    return httpx.request(method, proc.url + path, headers=proc.headers(), timeout=20, **kw)  # type: ignore[arg-type]


def baseline(proc: TrunklineProcess) -> int:
    """Open fds once a healthy exchange has warmed the pool (one idle upstream connection)."""
    assert call(proc, "GET", "/faulty/v1/ok").status_code == 200
    return open_fds(proc)


def healthy_again(proc: TrunklineProcess, fds: int) -> None:
    """The next request works, and the server holds no more fds than before the fault."""
    r = call(proc, "GET", "/faulty/v1/ok")
    assert r.status_code == 200 and r.json()["path"] == "/v1/ok"
    until(lambda: open_fds(proc) <= fds, 10, "fds back to baseline")
    listed = call(proc, "GET", "/connections").json()["connections"]
    assert [c["connection_id"] for c in listed] == [proc.connection]  # type: ignore[attr-defined]
    assert listed[0]["status"] == "ACTIVE"


def gateway_error(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    error = r.json()["error"]
    assert error["code"] == code and error["status"] == status
    assert error["request_id"] == r.headers["x-request-id"]


def test_slow_past_the_read_timeout_is_504(
    gateway: TrunklineProcess, faulty: FaultyUpstream
) -> None:
    fds = baseline(gateway)
    tag = uuid.uuid4().hex
    gateway_error(call(gateway, "GET", f"/faulty/{tag}/slow/3"), 504, "upstream_timeout")
    assert faulty.hits(f"/{tag}/slow/3") == 1  # sent once: a read timeout is not retried
    healthy_again(gateway, fds)
    until(lambda: faulty.open_connections <= 1, 10, "the timed-out upstream socket closed")


def test_refused_connections_are_502(gateway: TrunklineProcess, faulty: FaultyUpstream) -> None:
    fds = baseline(gateway)
    with faulty.refusing():
        # The pooled idle connection fails first; new connects are then refused.
        for method in ("GET", "POST"):
            r = call(gateway, method, "/faulty/v1/refused", json={})
            gateway_error(r, 502, "upstream_unreachable")
    healthy_again(gateway, fds)


def test_reset_mid_body_aborts_the_answer(
    gateway: TrunklineProcess, faulty: FaultyUpstream
) -> None:
    fds = baseline(gateway)
    # Streamed (larger than 1 MiB): the head is out when the reset comes, so the caller's
    # answer breaks off short of its Content-Length instead of hanging.
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        call(gateway, "GET", f"/faulty/reset/{4 << 20}/{256 << 10}")
    # Small: read whole before relaying, so the caller gets a clean 502 instead.
    gateway_error(call(gateway, "GET", "/faulty/reset/5000/100"), 502, "upstream_unreachable")
    healthy_again(gateway, fds)


def test_garbage_is_502(gateway: TrunklineProcess, faulty: FaultyUpstream) -> None:
    fds = baseline(gateway)
    gateway_error(call(gateway, "GET", "/faulty/v1/garbage"), 502, "upstream_unreachable")
    # A keyed POST that got garbage: the provider may have acted, so the key keeps that
    # outcome and a repeat is answered from it without a second send.
    tag = uuid.uuid4().hex
    keyed = {**gateway.headers(), "Idempotency-Key": tag}
    first = httpx.post(gateway.url + f"/faulty/{tag}/garbage", headers=keyed, json={}, timeout=20)
    gateway_error(first, 502, "upstream_unreachable")
    again = httpx.post(gateway.url + f"/faulty/{tag}/garbage", headers=keyed, json={}, timeout=20)
    assert again.status_code == 502 and again.headers.get("idempotent-replayed") == "true"
    assert faulty.hits(f"/{tag}/garbage") == 1
    healthy_again(gateway, fds)


def test_provider_5xx_is_relayed(gateway: TrunklineProcess, faulty: FaultyUpstream) -> None:
    fds = baseline(gateway)
    tag = uuid.uuid4().hex
    for method, code in (("GET", 500), ("POST", 503), ("POST", 502)):
        r = call(gateway, method, f"/faulty/{tag}/status/{code}", json={})
        assert r.status_code == code  # the provider's own answer, untouched
        assert r.json() == {"method": method, "path": f"/{tag}/status/{code}", "status": code}
    assert faulty.hits(f"/{tag}/status/503") == 1  # a POST is never retried
    healthy_again(gateway, fds)


def test_no_fault_leaves_a_traceback(gateway: TrunklineProcess, tmp_path: Path) -> None:
    """Module-last: every fault above was answered without an unhandled error."""
    assert "Traceback" not in gateway.stderr()
    assert '"level":"error"' not in gateway.stderr()
