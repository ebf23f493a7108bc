"""Stopping a server: SIGTERM drains (in-flight requests finish, new connections are refused, the
process is gone within the drain timeout); SIGKILL mid-request loses nothing already stored, and
the interrupted request's idempotency key behaves as docs/safe-sends.md says.

(Workers under SIGTERM and kill -9 after committed connections: tests/test_workers.py and
tests/test_serve.py.)"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.faults.conftest import FAULTY_KEY, connect_faulty, faulty_env, until
from tests.support.faulty import FaultyUpstream
from tests.support.process import TrunklineProcess


def refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


def in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["response"] = fn()
        except httpx.HTTPError as exc:
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_sigterm_drains_then_exits_within_the_timeout(
    tmp_path: Path, faulty: FaultyUpstream
) -> None:
    env = faulty_env(faulty.url, TRUNKLINE_SHUTDOWN_TIMEOUT="3")
    proc = TrunklineProcess(tmp_path / "data", env=env, args=["--no-sandbox"]).start()
    connect_faulty(proc)
    tag = uuid.uuid4().hex
    started = len(faulty.seen)
    short = [
        in_thread(
            lambda i=i: httpx.get(
                f"{proc.url}/faulty/{tag}/{i}/slow/1.5", headers=proc.headers(), timeout=30
            )
        )
        for i in range(3)
    ]
    long = in_thread(
        lambda: httpx.get(f"{proc.url}/faulty/{tag}/slow/30", headers=proc.headers(), timeout=30)
    )
    until(lambda: len(faulty.seen) >= started + 4, 10, "all four requests at the provider")
    assert proc.proc is not None
    proc.proc.send_signal(signal.SIGTERM)
    stopping = time.monotonic()
    until(lambda: refuses(proc.port), 2, "new connections refused while draining")
    for thread, result in short:
        thread.join(10)
        assert result["response"].status_code == 200  # finished during the drain
    # The one slower than the drain timeout is cut off when the timeout ends.
    assert proc.proc.wait(3 + 5) is not None
    assert time.monotonic() - stopping < 3 + 5
    long[0].join(10)
    assert "response" not in long[1] or long[1]["response"].status_code >= 500


def test_sigkill_mid_keyed_post_and_connection_create(
    tmp_path: Path, faulty: FaultyUpstream
) -> None:
    env = faulty_env(
        faulty.url, TRUNKLINE_IDEMPOTENCY_WAIT="1", TRUNKLINE_UPSTREAM_SLOWCHECK=faulty.url
    )
    proc = TrunklineProcess(tmp_path / "data", env=env, args=["--no-sandbox"]).start()
    before = [connect_faulty(proc) for _ in range(2)]
    tag = uuid.uuid4().hex
    done = {**proc.headers(), "Idempotency-Key": f"done-{tag}"}
    assert httpx.post(f"{proc.url}/faulty/{tag}/done", headers=done).status_code == 200
    keyed = {**proc.headers(), "Idempotency-Key": tag}
    path = f"/faulty/{tag}/slow/5"
    checks = faulty.hits("/slowcheck/slow/5")
    post = in_thread(lambda: httpx.post(proc.url + path, headers=keyed, timeout=30))
    create = in_thread(
        lambda: httpx.post(
            proc.url + "/connections",
            headers=proc.headers(),
            json={"app": "slowcheck", "credentials": {"api_key": FAULTY_KEY}},
            timeout=30,
        )
    )
    until(
        lambda: faulty.hits(f"/{tag}/slow/5") == 1 and faulty.hits("/slowcheck/slow/5") > checks,
        10,
        "the keyed POST and the key check at the provider",
    )
    proc.kill()
    for thread, result in (post, create):
        thread.join(10)
        assert "error" in result  # each caller saw its connection drop

    again = TrunklineProcess(tmp_path / "data", env=env, args=["--no-sandbox"], port=proc.port)
    again.start().api_key = proc.api_key
    try:
        # Every committed connection, and no half-made one.
        listed = httpx.get(again.url + "/connections", headers=again.headers()).json()
        assert [c["connection_id"] for c in listed["connections"]] == before
        # The finished key replays; the interrupted one is still claimed by its dead owner
        # (until its lease ends), so the repeat is refused rather than sent a second time.
        replay = httpx.post(f"{again.url}/faulty/{tag}/done", headers=done)
        assert replay.headers["idempotent-replayed"] == "true"
        repeat = httpx.post(again.url + path, headers=keyed, timeout=30)
        assert repeat.status_code == 409
        assert repeat.json()["error"]["code"] == "idempotency_in_flight"
        assert faulty.hits(f"/{tag}/slow/5") == 1
        r = httpx.get(again.url + "/faulty/v1/ok", headers=again.headers())
        assert r.status_code == 200 and r.json()["path"] == "/v1/ok"
    finally:
        again.stop()


def _quo_delivery(n: int, tag: str) -> bytes:
    return json.dumps(
        {
            "id": f"EV{tag}{n:08d}",
            "object": "event",
            "apiVersion": "v4",
            "createdAt": "2026-11-29T06:00:00.000Z",
            "type": "message.received",
            "data": {
                "object": {
                    "id": f"AC{tag}{n:08d}",
                    "object": "message",
                    "from": "+14155550142",
                    "to": ["+14155550123"],
                    "direction": "incoming",
                    "text": f"n={n}",
                    "status": "received",
                    "createdAt": "2026-11-29T06:00:00.000Z",
                }
            },
        }
    ).encode()


def test_sigkill_mid_event_ingest_keeps_every_acknowledged_event(tmp_path: Path) -> None:
    """Signed Quo deliveries stream into the ingress while the server is killed: every delivery
    it acknowledged (2xx) is in the inbox after the restart (the provider retries the rest)."""
    from trunkline.sandbox.quo import signing

    env = {"TRUNKLINE_SANDBOX_SPEED": "50"}
    proc = TrunklineProcess(tmp_path / "data", env=env).start()
    quo = httpx.get(proc.url + "/connections?app=quo", headers=proc.headers()).json()
    conn = quo["connections"][0]["connection_id"]
    ingress = httpx.get(f"{proc.url}/connections/{conn}/subscriptions", headers=proc.headers())
    url = ingress.json()["ingress_url"]
    hooks = httpx.get(proc.url + "/quo/v1/webhooks", headers=proc.headers()).json()["data"]
    key = next(h["key"] for h in hooks if h["url"] == url)
    tag = uuid.uuid4().hex[:12]
    acknowledged: list[str] = []
    stop = threading.Event()

    def deliver() -> None:
        with httpx.Client(timeout=10) as client:
            for n in range(100_000):
                if stop.is_set():
                    return
                body = _quo_delivery(n, tag)
                stamp = str(int(time.time() * 1000))
                headers = {
                    "openphone-signature": signing.signature_header(key, stamp, body),
                    "content-type": "application/json",
                }
                try:
                    r = client.post(url, content=body, headers=headers)
                except httpx.TransportError:
                    return  # the server is gone
                if r.is_success:
                    acknowledged.append(f"EV{tag}{n:08d}")

    thread = threading.Thread(target=deliver, daemon=True)
    thread.start()
    until(lambda: len(acknowledged) >= 30, 30, "deliveries acknowledged")
    proc.kill()
    stop.set()
    thread.join(10)
    again = TrunklineProcess(tmp_path / "data", env=env, port=proc.port)
    again.start().api_key = proc.api_key
    try:
        stored: set[str] = set()
        after = ""
        while True:
            params = {
                "limit": 500,
                "type": "message.received",
                **({"after": after} if after else {}),
            }
            page = httpx.get(again.url + "/events", headers=again.headers(), params=params).json()
            stored |= {e["raw"]["id"] for e in page["events"]}
            if not page["events"]:
                break
            after = page["next_cursor"]
        assert set(acknowledged) <= stored
    finally:
        again.stop()
