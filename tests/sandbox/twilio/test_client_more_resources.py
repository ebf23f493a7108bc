"""The official twilio client on the resources beyond messages and calls: available numbers,
balance, recordings, media, conferences, queue members, call events, usage triggers,
dependent numbers and assigned add-ons. Every response is checked against the spec."""

from __future__ import annotations

import time

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.sandbox.twilio.conftest import Receiver, TwilioTarget


def test_available_numbers_search_and_buy(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    account = client.api.v2010.accounts(twilio_target.ids.account_sid)
    countries = {c.country_code for c in account.available_phone_numbers.list()}
    assert {"US", "CA", "GB"} <= countries
    us = account.available_phone_numbers("US").fetch()
    assert us.country == "United States" and "local" in us.subresource_uris

    local = account.available_phone_numbers("US").local.list(area_code=415, limit=5)
    assert len(local) == 5 and all(n.phone_number.startswith("+1415") for n in local)
    assert local[0].region == "CA" and local[0].capabilities["sms"] is True
    found = account.available_phone_numbers("US").local.list(contains="555****", in_region="NY")
    assert found and all(n.region == "NY" and "555" in n.phone_number for n in found)
    toll_free = account.available_phone_numbers("US").toll_free.list(contains="800", limit=3)
    assert toll_free and all("800" in n.phone_number for n in toll_free)
    mobile = account.available_phone_numbers("GB").mobile.list(limit=2)
    assert [n.iso_country for n in mobile] == ["GB", "GB"]
    assert account.available_phone_numbers("US").voip.list() == []

    bought = client.incoming_phone_numbers.create(phone_number=local[0].phone_number)
    again = account.available_phone_numbers("US").local.list(area_code=415, limit=50)
    assert local[0].phone_number not in {n.phone_number for n in again}
    client.incoming_phone_numbers(bought.sid).delete()


def test_balance_goes_down_with_traffic(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    before = float(client.api.v2010.account.balance.fetch().balance)
    client.messages.create(to="+14155557410", from_="+14155552671", body="costs money")
    twilio_target.advance()
    after = client.api.v2010.account.balance.fetch()
    assert after.currency == "USD" and float(after.balance) < before


def test_recorded_call_produces_a_recording(
    twilio_target: TwilioTarget, receiver: Receiver
) -> None:
    client = twilio_target.client()
    call = client.calls.create(
        to="+14155557411",
        from_="+14155552671",
        twiml="<Response><Say>Recorded</Say></Response>",
        record=True,
        recording_status_callback=receiver.url("recording-status"),
    )
    twilio_target.advance()
    recordings = client.calls(call.sid).recordings.list()
    assert len(recordings) == 1
    recording = recordings[0]
    assert recording.status == "completed" and recording.duration == "20"
    assert recording.source == "OutboundAPI" and recording.call_sid == call.sid
    assert recording.sid in {r.sid for r in client.recordings.list(call_sid=call.sid)}
    fetched = client.recordings(recording.sid).fetch()
    assert fetched.media_url.endswith(f"/Recordings/{recording.sid}")
    hook = receiver.wait_for("recording-status", lambda r: len(r) == 1)
    assert hook[0].form["RecordingSid"] == recording.sid
    assert hook[0].form["RecordingStatus"] == "completed"
    assert client.recordings(recording.sid).delete() is True
    with pytest.raises(TwilioRestException) as caught:
        client.recordings(recording.sid).fetch()
    assert caught.value.status == 404
    assert client.recordings.list(call_sid=call.sid) == []
    soft = client.recordings.list(call_sid=call.sid, include_soft_deleted=True)
    assert [r.status for r in soft] == ["deleted"]
    assert client.recordings.list(limit=3)  # the seeded history has recordings too


def test_mms_media(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    message = client.messages.create(
        to="+14155557412",
        from_="+14155552671",
        media_url=["https://example.invalid/cat.jpg", "https://example.invalid/menu.pdf"],
    )
    media = client.messages(message.sid).media.list()
    assert sorted(m.content_type for m in media) == ["application/pdf", "image/jpeg"]
    one = client.messages(message.sid).media(media[0].sid).fetch()
    assert one.parent_sid == message.sid
    twilio_target.advance()
    assert client.messages(message.sid).media(media[0].sid).delete() is True
    assert len(client.messages(message.sid).media.list()) == 1


def test_conference_participants(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    seeded = client.conferences.list(status="completed")
    assert len(seeded) >= 2 and seeded[0].reason_conference_ended == "last-participant-left"
    participant = client.conferences("Client standup").participants.create(
        from_="+14155552671", to="+14155557413", label="alice", muted=True
    )
    conference_sid = participant.conference_sid
    assert conference_sid.startswith("CF") and participant.status == "queued"
    conference = client.conferences(conference_sid)
    assert conference.fetch().friendly_name == "Client standup"
    listed = conference.participants.list(muted=True)
    assert [p.call_sid for p in listed] == [participant.call_sid]
    assert conference.participants("alice").fetch().call_sid == participant.call_sid
    assert conference.participants(participant.call_sid).update(hold=True).hold is True
    _wait(lambda: conference.fetch().status == "in-progress")
    ended = conference.update(status="completed")
    assert (
        ended.status == "completed" and ended.reason_conference_ended == "conference-ended-via-api"
    )
    assert conference.participants.list() == []
    assert client.calls(participant.call_sid).fetch().status == "completed"


def test_queue_members(twilio_target: TwilioTarget, receiver: Receiver) -> None:
    client = twilio_target.client()
    queue = client.queues.create(friendly_name="Members test")
    assert client.queues(queue.sid).members.list() == []
    with twilio_target.control() as control:
        sid = control.post(
            "/inbound/call", json={"from": "+12065557414", "to": "+14155552671", "duration": 600}
        ).json()["call"]["sid"]
        _wait(lambda: client.calls(sid).fetch().status == "in-progress")
        joined = control.post(f"/queues/{queue.sid}/members", json={"call_sid": sid})
        assert joined.status_code == 201, joined.text
    members = client.queues(queue.sid).members.list()
    assert [(m.call_sid, m.position) for m in members] == [(sid, 1)]
    assert client.queues(queue.sid).fetch().current_size == 1
    front = client.queues(queue.sid).members("Front").fetch()
    assert front.call_sid == sid
    client.queues(queue.sid).members(sid).update(url=receiver.url("dequeued"))
    assert receiver.wait_for("dequeued", lambda r: len(r) == 1)[0].form["CallSid"] == sid
    assert client.queues(queue.sid).members.list() == []
    client.calls(sid).update(status="completed")
    events = client.calls(sid).events.list()
    assert any(e.request["url"] == receiver.url("dequeued") for e in events)


def test_call_notifications_are_empty(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    call = client.calls.list(limit=1)[0]
    assert client.calls(call.sid).notifications.list() == []
    assert client.api.v2010.account.notifications.list(log=0) == []


def test_usage_triggers_crud_and_fire(twilio_target: TwilioTarget, receiver: Receiver) -> None:
    client = twilio_target.client()
    trigger = client.usage.triggers.create(
        callback_url=receiver.url("trigger"),
        trigger_value="1",
        usage_category="sms",
        trigger_by="count",
        recurring="daily",
        friendly_name="First SMS of the day",
    )
    assert trigger.sid.startswith("UT") and trigger.usage_category == "sms"
    client.messages.create(to="+14155557415", from_="+14155552671", body="fires the trigger")
    twilio_target.advance()
    fired = client.usage.triggers(trigger.sid).fetch()
    assert fired.date_fired is not None and int(fired.current_value) >= 1
    hook = receiver.wait_for("trigger", lambda r: len(r) == 1)
    assert hook[0].form["UsageTriggerSid"] == trigger.sid
    assert trigger.sid in {t.sid for t in client.usage.triggers.list(recurring="daily")}
    renamed = client.usage.triggers(trigger.sid).update(friendly_name="Renamed")
    assert renamed.friendly_name == "Renamed"
    assert client.usage.triggers(trigger.sid).delete() is True
    assert trigger.sid not in {t.sid for t in client.usage.triggers.list()}


def test_dependent_numbers_and_add_ons(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    address = client.addresses.list(limit=1)[0]
    number = client.incoming_phone_numbers.create(
        phone_number="+15035550177", address_sid=address.sid
    )
    dependents = client.addresses(address.sid).dependent_phone_numbers.list()
    assert number.sid in {d.sid for d in dependents}
    add_ons = client.incoming_phone_numbers(number.sid).assigned_add_ons
    assert add_ons.list() == []
    assigned = add_ons.create(installed_add_on_sid="XB" + "0" * 32)
    assert [a.sid for a in add_ons.list()] == [assigned.sid]
    assert add_ons(assigned.sid).extensions.list() == []
    assert add_ons(assigned.sid).delete() is True
    client.incoming_phone_numbers(number.sid).delete()


def test_call_json_has_no_answered_field(twilio_target: TwilioTarget) -> None:
    with twilio_target.http() as http:
        sid = twilio_target.ids.account_sid
        calls = http.get(f"/2010-04-01/Accounts/{sid}/Calls.json", params={"PageSize": 5}).json()
    assert calls["calls"] and all("answered" not in c for c in calls["calls"])


def _wait(condition: object, timeout: float = 10.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never met"
        time.sleep(0.02)
