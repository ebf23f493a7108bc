"""The official twilio client creates, lists (auto-paginating), fetches, updates and deletes
every resource the sandbox covers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.sandbox.twilio.conftest import TwilioTarget


def utc_today() -> date:
    return datetime.now(UTC).date()


def test_accounts_and_subaccounts(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    listed = client.api.v2010.accounts.list(page_size=1)
    assert {a.sid for a in listed} == {
        twilio_target.ids.account_sid,
        twilio_target.ids.subaccount_sid,
    }

    created = client.api.v2010.accounts.create(friendly_name="Client test sub")
    assert created.sid.startswith("AC") and len(created.sid) == 34
    assert created.owner_account_sid == twilio_target.ids.account_sid
    assert created.status == "active" and created.auth_token

    fetched = client.api.v2010.accounts(created.sid).fetch()
    assert fetched.friendly_name == "Client test sub"
    assert fetched.date_created is not None  # parsed from RFC 2822 by the client

    updated = client.api.v2010.accounts(created.sid).update(status="suspended")
    assert updated.status == "suspended"
    assert [a.sid for a in client.api.v2010.accounts.list(friendly_name="Client test sub")] == [
        created.sid
    ]


def test_messages_crud(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    sent = client.messages.create(to="+14155550199", from_="+14155552671", body="crud test")
    assert sent.sid.startswith("SM") and sent.status == "queued"
    assert sent.direction == "outbound-api" and sent.num_segments == "1"

    streamed = list(client.messages.stream(page_size=7, limit=40))
    assert len(streamed) == 40 and len({m.sid for m in streamed}) == 40
    assert client.messages(sent.sid).fetch().body == "crud test"

    twilio_target.advance()
    settled = client.messages(sent.sid).fetch()
    assert settled.status == "failed" and settled.error_code == 30006

    redacted = client.messages(sent.sid).update(body="")
    assert redacted.body == ""
    assert client.messages(sent.sid).delete() is True
    with pytest.raises(TwilioRestException) as caught:
        client.messages(sent.sid).fetch()
    assert caught.value.status == 404 and caught.value.code == 20404


def test_message_filters(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    to = "+12065557777"
    client.messages.create(to=to, from_="+16505557301", body="filter me")
    twilio_target.advance()
    by_to = client.messages.list(to=to, page_size=5)
    assert by_to and all(m.to == to for m in by_to)
    by_from = client.messages.list(from_="+16505557301", page_size=20, limit=60)
    assert by_from and all(m.from_ == "+16505557301" for m in by_from)
    today = utc_today()
    sent_today = client.messages.list(date_sent=today, to=to)
    assert [m.to for m in sent_today] == [to]
    assert client.messages.list(date_sent_before=date(2000, 1, 1)) == []


def test_calls_crud(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    call = client.calls.create(
        to="+14155557000", from_="+14155552671", url="https://example.invalid/x"
    )
    assert call.sid.startswith("CA") and call.status == "queued"
    twilio_target.advance()
    done = client.calls(call.sid).fetch()
    assert done.status == "completed" and done.duration == "20"
    assert done.price == "-0.01400" and done.to_formatted == "(415) 555-7000"

    outbound = client.calls.list(to="+14155557000", status="completed", page_size=2)
    assert [c.sid for c in outbound] == [call.sid]
    assert len(list(client.calls.stream(page_size=50, limit=120))) == 120
    assert client.calls(call.sid).delete() is True
    assert client.calls.list(to="+14155557000") == []


def test_incoming_phone_numbers_crud(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    bought = client.incoming_phone_numbers.create(
        phone_number="+15035550123", sms_url="https://example.invalid/sms"
    )
    assert bought.sid.startswith("PN") and bought.sms_url == "https://example.invalid/sms"
    assert bought.capabilities == {"fax": False, "mms": True, "sms": True, "voice": True}
    by_area = client.incoming_phone_numbers.create(area_code="971")
    assert by_area.phone_number.startswith("+1971555")
    local = client.incoming_phone_numbers.local.create(phone_number="+15035550124")
    toll_free = client.incoming_phone_numbers.toll_free.list()
    assert [n.phone_number for n in toll_free] == ["+18885552468"]

    numbers = client.incoming_phone_numbers.list(page_size=2)
    assert {"+15035550123", "+14155552671"} <= {n.phone_number for n in numbers}
    assert [n.sid for n in client.incoming_phone_numbers.list(phone_number="503555012*")] == [
        bought.sid,
        local.sid,
    ]
    updated = client.incoming_phone_numbers(bought.sid).update(
        friendly_name="Portland", voice_method="GET"
    )
    assert (updated.friendly_name, updated.voice_method) == ("Portland", "GET")
    assert client.incoming_phone_numbers(bought.sid).fetch().friendly_name == "Portland"
    for sid in (bought.sid, by_area.sid, local.sid):
        assert client.incoming_phone_numbers(sid).delete() is True


def test_applications_crud(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    app = client.applications.create(
        friendly_name="Client app", voice_url="https://example.invalid/v"
    )
    assert app.sid.startswith("AP") and app.voice_method == "POST"
    assert app.sid in {a.sid for a in client.applications.list(page_size=1)}
    updated = client.applications(app.sid).update(
        sms_url="https://example.invalid/s", sms_method="GET"
    )
    assert (updated.sms_url, updated.sms_method) == ("https://example.invalid/s", "GET")
    assert client.applications(app.sid).fetch().friendly_name == "Client app"
    assert client.applications(app.sid).delete() is True
    assert app.sid not in {a.sid for a in client.applications.list()}


def test_queues_crud(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    queue = client.queues.create(friendly_name="Escalations", max_size=10)
    assert queue.sid.startswith("QU") and queue.max_size == 10 and queue.current_size == 0
    assert queue.sid in {q.sid for q in client.queues.stream(page_size=1)}
    assert client.queues(queue.sid).update(max_size=25).max_size == 25
    assert client.queues(queue.sid).fetch().friendly_name == "Escalations"
    assert client.queues(queue.sid).delete() is True


def test_addresses_crud(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    address = client.addresses.create(
        customer_name="Acme Inc",
        street="123 Main St",
        city="San Francisco",
        region="CA",
        postal_code="94105",
        iso_country="US",
        friendly_name="Office",
    )
    assert address.sid.startswith("AD") and address.validated is True
    assert address.sid in {a.sid for a in client.addresses.list(page_size=1, iso_country="US")}
    updated = client.addresses(address.sid).update(street="500 Howard St", emergency_enabled=True)
    assert (updated.street, updated.emergency_enabled) == ("500 Howard St", True)
    assert client.addresses(address.sid).fetch().customer_name == "Acme Inc"
    assert client.addresses(address.sid).delete() is True


def test_api_key_credentials(twilio_target: TwilioTarget) -> None:
    ids = twilio_target.ids
    client = twilio_target.client(ids.api_key_sid, ids.api_key_secret)
    assert client.messages.list(limit=3)
    message = client.messages.create(to="+14155557001", from_="+14155553894", body="via key")
    assert message.account_sid == ids.account_sid
    with pytest.raises(TwilioRestException) as caught:
        client.api.v2010.accounts.create(friendly_name="keys cannot")
    assert caught.value.status == 401 and caught.value.code == 20003
