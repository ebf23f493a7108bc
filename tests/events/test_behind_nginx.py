"""Twilio signs the URL it called. Behind a real nginx the request trunkline sees has another
Host and port, so the URL is rebuilt from TRUNKLINE_PUBLIC_URL; a subscription sets the number's
SmsUrl to that public URL and restores the customer's own on removal."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.support.nginx import nginx_proxy
from tests.support.process import TrunklineProcess
from tests.support.servers import free_port
from trunkline.sandbox import load_sandbox

SEEDED = load_sandbox("twilio").credentials


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TrunklineProcess, str]]:
    base = tmp_path_factory.mktemp("nginx")
    public_port = free_port()
    public = f"http://127.0.0.1:{public_port}"
    proc = TrunklineProcess(
        base / "data", env={"TRUNKLINE_PUBLIC_URL": public, "TRUNKLINE_SANDBOX_SPEED": "50"}
    ).start()
    try:
        with nginx_proxy(base / "nginx", [f"127.0.0.1:{proc.port}"], public_port) as url:
            assert url == public
            yield proc, public
    finally:
        proc.stop()


def api(
    proc: TrunklineProcess, public: str, method: str, path: str, **kw: object
) -> httpx.Response:
    return httpx.request(method, public + path, headers=proc.headers(), timeout=30, **kw)  # type: ignore[arg-type]


def test_twilio_delivery_through_nginx(proxied: tuple[TrunklineProcess, str]) -> None:
    proc, public = proxied
    conn = api(proc, public, "GET", "/connections?app=twilio").json()["connections"][0]
    sid = conn["metadata"]["account_sid"]
    numbers = api(
        proc, public, "GET", f"/twilio/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"
    ).json()["incoming_phone_numbers"]
    number = numbers[0]
    before = number.get("sms_url") or ""
    conn_id = conn["connection_id"]
    ask = {"events": ["message.received"], "numbers": [number["phone_number"]]}
    if before:
        taken = api(proc, public, "POST", f"/connections/{conn_id}/subscriptions", json=ask)
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "webhook_url_taken"
        ask["replace"] = True
    made = api(proc, public, "POST", f"/connections/{conn_id}/subscriptions", json=ask)
    assert made.status_code == 201, made.text
    subscription = made.json()["subscription"]
    ingress = subscription["ingress_url"]
    assert ingress.startswith(public + "/webhooks/twilio/")
    after = api(
        proc, public, "GET", f"/twilio/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"
    ).json()["incoming_phone_numbers"]
    assert next(n for n in after if n["sid"] == number["sid"])["sms_url"] == ingress

    params = {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": sid,
        "From": "+14155550142",
        "To": number["phone_number"],
        "Body": "Can we move to 4pm?",
        "SmsStatus": "received",
    }
    signature = RequestValidator(SEEDED["auth_token"]).compute_signature(ingress, params)
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    cursor = api(proc, public, "GET", "/events?limit=500").json()["next_cursor"]
    through = httpx.post(ingress, content=urlencode(params), headers=headers, timeout=30)
    assert through.status_code == 200, through.text
    # The same bytes sent straight to trunkline (another Host and port) also verify: the URL
    # is the configured public one, not the request's.
    direct = ingress.replace(public, proc.url)
    again = httpx.post(direct, content=urlencode(params), headers=headers, timeout=30)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    # A proxy-supplied Host cannot make a forgery signed for another URL pass.
    forged = RequestValidator(SEEDED["auth_token"]).compute_signature(direct, params)
    spoof = httpx.post(
        direct,
        content=urlencode({**params, "MessageSid": "SM" + "b" * 32}),
        headers={**headers, "X-Twilio-Signature": forged, "X-Forwarded-Host": "evil.example"},
        timeout=30,
    )
    assert spoof.status_code == 401
    events = api(proc, public, "GET", f"/events?after={cursor}").json()["events"]
    assert [e["type"] for e in events] == ["message.received"]
    assert events[0]["data"]["text"] == "Can we move to 4pm?"

    gone = api(proc, public, "DELETE", f"/connections/{conn_id}/subscriptions/{subscription['id']}")
    assert gone.status_code == 200
    restored = api(
        proc, public, "GET", f"/twilio/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"
    ).json()["incoming_phone_numbers"]
    assert (next(n for n in restored if n["sid"] == number["sid"]).get("sms_url") or "") == before
