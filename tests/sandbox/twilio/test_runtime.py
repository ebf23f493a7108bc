"""Running the sandbox: restarts keep state, a mount prefix keeps the client on it, the
concurrency limit answers 429 (20429), and call updates follow Twilio's rules."""

from __future__ import annotations

import socket
import time
from base64 import b64encode
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from tests.sandbox.twilio.conftest import TwilioTarget
from tests.support.openapi_check import SpecChecker
from tests.support.servers import serve_asgi
from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.twilio import create_app


def _target(
    url: str, twilio_target: TwilioTarget, base_url: str | None = None, prefix: str = ""
) -> TwilioTarget:
    checker = (
        SpecChecker("twilio_api_v2010.json", strip_prefix=prefix)
        if prefix
        else twilio_target.checker
    )
    target = TwilioTarget(base_url or url, url, twilio_target.ids, checker)
    return target


def test_restart_with_same_data_dir_keeps_state(
    tmp_path: Path, twilio_target: TwilioTarget
) -> None:
    config = SandboxConfig(data_dir=tmp_path, speed=1000)
    with serve_asgi(create_app(config)) as url:
        client = _target(url, twilio_target).client()
        queue = client.queues.create(friendly_name="Survives restarts")
        message = client.messages.create(
            to="+14155557600", from_="+14155552671", body="remember me"
        )
        seeded = [c.sid for c in client.calls.list(limit=5)]
    assert (tmp_path / "sandbox" / "twilio.json").exists()
    with serve_asgi(create_app(config)) as url:
        client = _target(url, twilio_target).client()
        assert client.queues(queue.sid).fetch().friendly_name == "Survives restarts"
        assert client.messages(message.sid).fetch().body == "remember me"
        assert [c.sid for c in client.calls.list(limit=5)] == seeded


def test_in_flight_message_resumes_after_restart(
    tmp_path: Path, twilio_target: TwilioTarget
) -> None:
    slow = SandboxConfig(data_dir=tmp_path, speed=0.01)  # nothing moves during the first run
    with serve_asgi(create_app(slow)) as url:
        sid = (
            _target(url, twilio_target)
            .client()
            .messages.create(to="+14155557601", from_="+14155552671", body="later")
            .sid
        )
    with serve_asgi(create_app(SandboxConfig(data_dir=tmp_path, speed=1000))) as url:
        client = _target(url, twilio_target).client()
        deadline = time.monotonic() + 5
        while client.messages(sid).fetch().status != "delivered":
            assert time.monotonic() < deadline
            time.sleep(0.02)


def test_mounted_under_a_prefix(twilio_target: TwilioTarget) -> None:
    inner = create_app(SandboxConfig(speed=1000))
    outer = Starlette(
        routes=[Mount("/sandbox/twilio", app=inner)], lifespan=inner.router.lifespan_context
    )
    with serve_asgi(outer) as url:
        base = url + "/sandbox/twilio"
        target = _target(base, twilio_target, prefix="/sandbox/twilio")
        client = target.client()
        streamed = list(client.calls.stream(page_size=4, limit=13))
        assert len({c.sid for c in streamed}) == 13
        message = client.messages.create(to="+14155557602", from_="+14155552671", body="mounted")
        assert message.uri.startswith("/2010-04-01/Accounts/")
        target.advance()
        assert client.messages(message.sid).fetch().status == "delivered"
        with target.http() as http:
            missing = http.get(
                "/2010-04-01/Accounts/"
                + twilio_target.ids.account_sid
                + "/Queues/QU"
                + "0" * 32
                + ".json"
            )
        assert missing.json()["message"].startswith("The requested resource /2010-04-01/Accounts/")
    assert sum(target.checker.counts.values()) >= 6
    twilio_target.checker.counts.update(target.checker.counts)  # into the session report


def _slow_request(url: str, auth: str) -> socket.socket:
    """Open a create request whose body never finishes arriving (so it stays in flight)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(
        (
            f"POST /2010-04-01/Accounts/AC/Queues.json HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Basic {auth}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 100\r\n\r\nFriendly"
        ).encode()
    )
    return sock


def test_concurrency_limit_answers_20429(twilio_target: TwilioTarget) -> None:
    ids = twilio_target.ids
    limited = SandboxConfig(speed=1000, extra={"twilio_concurrency_limit": 1})
    auth = b64encode(f"{ids.account_sid}:{ids.auth_token}".encode()).decode()
    with serve_asgi(create_app(limited)) as url:
        sock = _slow_request(url, auth)
        try:
            with httpx.Client(
                base_url=url, auth=(ids.account_sid, ids.auth_token), trust_env=False
            ) as http:
                deadline = time.monotonic() + 5
                response = http.get(f"/2010-04-01/Accounts/{ids.account_sid}.json")
                while response.status_code != 429 and time.monotonic() < deadline:
                    time.sleep(0.01)
                    response = http.get(f"/2010-04-01/Accounts/{ids.account_sid}.json")
                assert response.status_code == 429
                assert response.json() == {
                    "code": 20429,
                    "message": "Too Many Requests",
                    "more_info": "https://www.twilio.com/docs/errors/20429",
                    "status": 429,
                }
        finally:
            sock.close()
        with httpx.Client(
            base_url=url, auth=(ids.account_sid, ids.auth_token), trust_env=False
        ) as http:
            deadline = time.monotonic() + 5
            while http.get(f"/2010-04-01/Accounts/{ids.account_sid}.json").status_code == 429:
                assert time.monotonic() < deadline, "the slot was never released"
                time.sleep(0.01)


def test_rate_limits_off_never_429(twilio_target: TwilioTarget) -> None:
    ids = twilio_target.ids
    config = SandboxConfig(rate_limits=False, extra={"twilio_concurrency_limit": 1})
    auth = b64encode(f"{ids.account_sid}:{ids.auth_token}".encode()).decode()
    with serve_asgi(create_app(config)) as url:
        sock = _slow_request(url, auth)
        try:
            time.sleep(0.05)
            with httpx.Client(
                base_url=url, auth=(ids.account_sid, ids.auth_token), trust_env=False
            ) as http:
                assert http.get(f"/2010-04-01/Accounts/{ids.account_sid}.json").status_code == 200
        finally:
            sock.close()


def test_cancel_queued_call_and_delete_rules(twilio_target: TwilioTarget) -> None:
    with serve_asgi(create_app(SandboxConfig(speed=1))) as url:
        target = _target(url, twilio_target)
        client = target.client()
        call = client.calls.create(
            to="+14155557603", from_="+14155552671", url="https://example.invalid/x"
        )
        with target.http() as http:
            busy = http.delete(
                f"/2010-04-01/Accounts/{twilio_target.ids.account_sid}/Calls/{call.sid}.json"
            )
        assert busy.status_code == 400 and busy.json()["code"] == 20009
        canceled = client.calls(call.sid).update(status="canceled")
        assert canceled.status == "canceled" and canceled.duration == "0" and canceled.price is None
        target.advance()  # the steps that were pending must not revive it
        assert client.calls(call.sid).fetch().status == "canceled"
        assert client.calls(call.sid).delete() is True
