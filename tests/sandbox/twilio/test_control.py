"""The /_sandbox control surface: describe, reset, clock, deliveries, the outside world."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from tests.sandbox.twilio.conftest import Receiver, TwilioTarget
from tests.support.servers import serve_asgi
from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.twilio import SANDBOX, create_app


def test_describe(twilio_target: TwilioTarget) -> None:
    with twilio_target.control() as control:
        info = control.get("").json()
    assert info["app"] == "twilio" and info["account_sid"] == twilio_target.ids.account_sid
    assert info["credentials_hint"]["auth_token"].endswith("…")
    assert twilio_target.ids.auth_token not in str(info)
    assert info["counts"]["messages"] >= 160 and info["counts"]["calls"] >= 240
    assert "0000-0099" in info["unreachable_numbers"]


def test_control_needs_credentials(twilio_target: TwilioTarget) -> None:
    with twilio_target.control() as control:
        response = control.get("", auth=("AC" + "0" * 32, "nope"))
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


def test_control_rejects_bad_input(twilio_target: TwilioTarget) -> None:
    with twilio_target.control() as control:
        assert control.post("/inbound/sms", content=b"not json").status_code == 400
        assert (
            control.post(
                "/inbound/sms", json={"from": "x", "to": "+14155552671", "body": "a"}
            ).status_code
            == 400
        )
        unknown = control.post(
            "/inbound/sms", json={"from": "+12065550400", "to": "+19995550400", "body": "a"}
        )
        assert unknown.status_code == 404 and unknown.json()["error"]["status"] == 404
        assert (
            control.post(
                "/inbound/sms", json={"from": "+12065550400", "to": "+14155552671"}
            ).status_code
            == 400
        )
        bad_duration = {"from": "+12065550400", "to": "+14155552671", "duration": "long"}
        assert control.post("/inbound/call", json=bad_duration).status_code == 400
        assert control.post("/calls/CA" + "0" * 32 + "/hangup").status_code == 404


def test_subaccount_cannot_drive_parent_numbers(twilio_target: TwilioTarget) -> None:
    ids = twilio_target.ids
    with twilio_target.control() as control:
        response = control.post(
            "/inbound/sms",
            json={"from": "+12065550401", "to": "+14155552671", "body": "hi"},
            auth=(ids.subaccount_sid, ids.subaccount_token),
        )
    assert response.status_code == 404


def test_deliveries_log_and_subaccount_signing(
    twilio_target: TwilioTarget, receiver: Receiver
) -> None:
    ids = twilio_target.ids
    sub_client = twilio_target.client(ids.subaccount_sid, ids.subaccount_token)
    numbers = sub_client.api.v2010.accounts(ids.subaccount_sid).incoming_phone_numbers.list()
    sub_client.api.v2010.accounts(ids.subaccount_sid).incoming_phone_numbers(numbers[0].sid).update(
        sms_url=receiver.url("sub-sms")
    )
    with twilio_target.control() as control:
        control.post(
            "/inbound/sms",
            json={"from": "+12065550402", "to": numbers[0].phone_number, "body": "sub"},
        )
        got = receiver.wait_for("sub-sms", lambda r: len(r) == 1)
        log = control.get("/webhooks/deliveries").json()["deliveries"]
    assert RequestValidator(ids.subaccount_token).validate(
        got[0].url, got[0].form, got[0].headers["x-twilio-signature"]
    )
    entry = next(d for d in log if d["url"] == receiver.url("sub-sms"))
    assert entry["method"] == "POST" and "Body=sub" in entry["body"] and entry["signature"]


def test_reset_restores_the_seed(twilio_target: TwilioTarget) -> None:
    with serve_asgi(create_app(SandboxConfig(speed=1000))) as url:
        target = TwilioTarget(url, url, twilio_target.ids, twilio_target.checker)
        client = target.client()
        seeded = {q.sid for q in client.queues.list()}
        client.queues.create(friendly_name="temporary")
        with target.control() as control:
            assert control.post("/reset").json() == {"reset": True}
            ran = control.post("/clock/advance").json()
        assert {q.sid for q in client.queues.list()} == seeded
        assert ran["pending"] == 0


def test_registry_spec() -> None:
    assert SANDBOX.app == "twilio"
    assert SANDBOX.credentials == {
        "account_sid": SANDBOX.credentials["account_sid"],
        "auth_token": SANDBOX.credentials["auth_token"],
    }
    assert (
        SANDBOX.credentials["account_sid"].startswith("AC")
        and len(SANDBOX.credentials["auth_token"]) == 32
    )
