"""Living state: messages and calls move on by themselves and call the user's URLs, each
request signed so that twilio's RequestValidator accepts it."""

from __future__ import annotations

import time

from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.sandbox.twilio.conftest import Received, Receiver, TwilioTarget


def assert_signed(target: TwilioTarget, requests: list[Received], token: str | None = None) -> None:
    validator = RequestValidator(token or target.ids.auth_token)
    for request in requests:
        signature = request.headers["x-twilio-signature"]
        assert validator.validate(
            request.url, request.form if request.method == "POST" else {}, signature
        ), request


def test_message_lifecycle_posts_each_status(
    twilio_target: TwilioTarget, receiver: Receiver
) -> None:
    client = twilio_target.client()
    hook = "sms-status?case=delivered"
    message = client.messages.create(
        to="+14155557100",
        from_="+14155552671",
        body="lifecycle",
        status_callback=receiver.url(hook),
    )
    assert message.status == "queued"
    got = receiver.wait_for(
        "sms-status",
        lambda r: any(
            x.form["MessageSid"] == message.sid and x.form["MessageStatus"] == "delivered"
            for x in r
        ),
    )
    mine = [r for r in got if r.form["MessageSid"] == message.sid]
    assert [r.form["MessageStatus"] for r in mine] == ["sending", "sent", "delivered"]
    assert all(r.form["SmsStatus"] == r.form["MessageStatus"] for r in mine)
    assert mine[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert_signed(twilio_target, mine)
    delivered = client.messages(message.sid).fetch()
    assert delivered.status == "delivered" and delivered.price == "-0.00790"
    assert delivered.date_sent is not None


def test_unreachable_number_ends_undelivered(
    twilio_target: TwilioTarget, receiver: Receiver
) -> None:
    client = twilio_target.client()
    message = client.messages.create(
        to="+14155550042",
        from_="+14155552671",
        body="nobody home",
        status_callback=receiver.url("sms-undelivered"),
    )
    got = receiver.wait_for("sms-undelivered", lambda r: len(r) == 3)
    assert got[-1].form["MessageStatus"] == "undelivered" and got[-1].form["ErrorCode"] == "30003"
    assert_signed(twilio_target, got)
    assert client.messages(message.sid).fetch().error_code == 30003


def test_get_status_callback_is_signed_over_query(
    twilio_target: TwilioTarget, receiver: Receiver
) -> None:
    client = twilio_target.client()
    client.calls.create(
        to="+14155557101",
        from_="+14155552671",
        twiml="<Response><Say>Hi</Say></Response>",
        status_callback=receiver.url("call-get"),
        status_callback_method="GET",
    )
    got = receiver.wait_for("call-get", lambda r: len(r) == 1)
    assert got[0].method == "GET" and "CallStatus=completed" in got[0].url
    assert RequestValidator(twilio_target.ids.auth_token).validate(
        got[0].url, {}, got[0].headers["x-twilio-signature"]
    )


def test_call_lifecycle_with_all_events(twilio_target: TwilioTarget, receiver: Receiver) -> None:
    client = twilio_target.client()
    call = client.calls.create(
        to="+14155557102",
        from_="+14155553894",
        url=receiver.url("call-twiml"),
        status_callback=receiver.url("call-events"),
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    events = receiver.wait_for("call-events", lambda r: len(r) == 4)
    assert [e.form["CallStatus"] for e in events] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [e.form["SequenceNumber"] for e in events] == ["0", "1", "2", "3"]
    assert events[-1].form["CallDuration"] == "20" and events[-1].form["Duration"] == "1"
    twiml = receiver.wait_for("call-twiml", lambda r: len(r) == 1)
    assert (
        twiml[0].form["CallStatus"] == "in-progress"
        and twiml[0].form["Direction"] == "outbound-api"
    )
    assert_signed(twilio_target, events + twiml)
    assert client.calls(call.sid).fetch().status == "completed"


def test_default_status_callback_is_completed_only(
    twilio_target: TwilioTarget, receiver: Receiver
) -> None:
    client = twilio_target.client()
    client.calls.create(
        to="+14155550007",
        from_="+14155553894",
        url=receiver.url("noop"),
        status_callback=receiver.url("call-default"),
    )
    twilio_target.advance()
    got = receiver.wait_for("call-default", lambda r: len(r) == 1)
    assert got[0].form["CallStatus"] == "no-answer" and got[0].form["CallDuration"] == "0"


def test_inbound_sms_posts_to_sms_url(twilio_target: TwilioTarget, receiver: Receiver) -> None:
    client = twilio_target.client()
    number = client.incoming_phone_numbers.create(
        phone_number="+15415550300", sms_url=receiver.url("inbound-sms")
    )
    with twilio_target.control() as control:
        response = control.post(
            "/inbound/sms",
            json={
                "from": "+12065550300",
                "to": "+15415550300",
                "body": "hello there",
                "media_urls": ["https://example.invalid/cat.jpg"],
            },
        )
    assert response.status_code == 201
    sid = response.json()["message"]["sid"]
    got = receiver.wait_for("inbound-sms", lambda r: len(r) == 1)
    form = got[0].form
    assert (form["MessageSid"], form["Body"], form["From"], form["NumMedia"]) == (
        sid,
        "hello there",
        "+12065550300",
        "1",
    )
    assert form["MediaContentType0"] == "image/jpeg" and form["SmsStatus"] == "received"
    assert_signed(twilio_target, got)
    stored = client.messages(sid).fetch()
    assert (stored.direction, stored.status, stored.sid[:2]) == ("inbound", "received", "MM")
    client.incoming_phone_numbers(number.sid).delete()


def test_message_to_own_number_arrives_inbound(
    twilio_target: TwilioTarget, receiver: Receiver
) -> None:
    client = twilio_target.client()
    mine = client.incoming_phone_numbers.create(
        phone_number="+15415550301", sms_url=receiver.url("loopback")
    )
    client.messages.create(to="+15415550301", from_="+14155552671", body="note to self")
    got = receiver.wait_for("loopback", lambda r: len(r) == 1)
    assert got[0].form["Body"] == "note to self" and got[0].form["From"] == "+14155552671"
    client.incoming_phone_numbers(mine.sid).delete()


def test_inbound_call_and_hang_up_through_the_api(
    twilio_target: TwilioTarget, receiver: Receiver
) -> None:
    client = twilio_target.client()
    number = client.incoming_phone_numbers.create(
        phone_number="+15415550302",
        voice_url=receiver.url("inbound-voice"),
        status_callback=receiver.url("inbound-status"),
    )
    with twilio_target.control() as control:
        response = control.post(
            "/inbound/call", json={"from": "+12065550302", "to": "+15415550302", "duration": 14400}
        )
    sid = response.json()["call"]["sid"]
    voice = receiver.wait_for("inbound-voice", lambda r: len(r) == 1)
    assert voice[0].form["CallStatus"] == "ringing" and voice[0].form["Direction"] == "inbound"
    _wait_status(client, sid, "in-progress")
    client.calls(sid).update(url=receiver.url("redirected"), method="POST")
    redirected = receiver.wait_for("redirected", lambda r: len(r) == 1)
    assert redirected[0].form["CallStatus"] == "in-progress"
    ended = client.calls(sid).update(status="completed")
    assert ended.status == "completed" and ended.end_time is not None
    status = receiver.wait_for("inbound-status", lambda r: len(r) == 1)
    assert status[0].form["CallStatus"] == "completed"
    assert_signed(twilio_target, voice + redirected + status)
    client.incoming_phone_numbers(number.sid).delete()


def test_control_hang_up(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    with twilio_target.control() as control:
        sid = control.post(
            "/inbound/call", json={"from": "+12065550303", "to": "+14155552671", "duration": 14400}
        ).json()["call"]["sid"]
        _wait_status(client, sid, "in-progress")
        hung = control.post(f"/calls/{sid}/hangup")
        assert hung.json()["call"]["status"] == "completed"
        assert control.post(f"/calls/{sid}/hangup").status_code == 409


def _wait_status(client: Client, sid: str, status: str) -> None:
    deadline = time.monotonic() + 5
    while client.calls(sid).fetch().status != status:
        assert time.monotonic() < deadline, f"call never reached {status}"
        time.sleep(0.02)
