"""Messages over time: outbound ``queued → sending → sent → delivered`` (or ``undelivered`` /
``failed`` for the sandbox's unreachable numbers, see :mod:`phones`), inbound ``received``.

Every status change after creation POSTs the message's StatusCallback; an inbound message
POSTs the number's SmsUrl (or its SMS application's). A message delivered to a number the
sandbox owns arrives there as an inbound message too, as it would on Twilio.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from datetime import datetime
from typing import Any

from trunkline.sandbox.twilio import phones, pricing
from trunkline.sandbox.twilio.serialize import API_VERSION, charge, resource_uri, stamp
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
COLLECTION = "Messages"
FINAL = frozenset({"delivered", "undelivered", "failed", "received", "canceled", "read"})

# Real-world seconds between steps (divided by the sandbox's speed).
TO_SENDING = 0.5
TO_SENT = 1.0
TO_FINAL = 1.5

UNREACHABLE = (30003, "Unreachable destination handset")
REJECTED = (30006, "Landline or unreachable carrier")


def message_record(
    account_sid: str,
    sid: str,
    *,
    to: str,
    sender: str,
    body: str,
    direction: str,
    status: str,
    created: datetime,
    num_media: int = 0,
) -> Record:
    uri = resource_uri(account_sid, COLLECTION, sid)
    record: Record = {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": body,
        "direction": direction,
        "error_code": None,
        "error_message": None,
        "from": sender,
        "messaging_service_sid": None,
        "num_media": str(num_media),
        "num_segments": str(pricing.segments(body)),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {
            "media": uri.replace(".json", "/Media.json"),
            "feedback": uri.replace(".json", "/Feedback.json"),
        },
        "to": to,
        "uri": uri,
    }
    stamp(record, "date_created", created)
    stamp(record, "date_updated", created)
    stamp(record, "date_sent", None)
    return record


def start_outbound(world: World, sid: str) -> None:
    record = world.table("messages")[sid]
    if phones.reach(record["to"]) is phones.Reach.REJECTED:
        world.runtime.clock.later(TO_SENDING, lambda: _fail(world, sid))
    else:
        world.runtime.clock.later(TO_SENDING, lambda: _sending(world, sid))


def resume(world: World) -> None:
    """After a restart, carry on with messages that were on their way."""
    steps: dict[str, Callable[[World, str], None]] = {
        "queued": start_outbound,
        "sending": lambda w, sid: w.runtime.clock.later(TO_SENT, lambda: _sent(w, sid)),
        "sent": lambda w, sid: w.runtime.clock.later(TO_FINAL, lambda: _final(w, sid)),
    }
    for record in list(world.table("messages").values()):
        step = steps.get(record["status"])
        if step is not None and record["direction"] != "inbound":
            step(world, record["sid"])


def _sending(world: World, sid: str) -> None:
    if _move(world, sid, "sending") is not None:
        world.runtime.clock.later(TO_SENT, lambda: _sent(world, sid))


def _sent(world: World, sid: str) -> None:
    record = world.table("messages").get(sid)
    if record is None or record["status"] in FINAL:
        return
    stamp(record, "date_sent", world.now())
    record["price"] = charge(_price(record))
    if _move(world, sid, "sent") is not None:
        world.runtime.clock.later(TO_FINAL, lambda: _final(world, sid))


def _final(world: World, sid: str) -> None:
    record = world.table("messages").get(sid)
    if record is None or record["status"] in FINAL:
        return
    if phones.reach(record["to"]) is phones.Reach.NO_ANSWER:
        record["error_code"], record["error_message"] = UNREACHABLE
        _move(world, sid, "undelivered")
        return
    _move(world, sid, "delivered")
    if world.numbers_by_phone(record["to"]) is not None:
        receive(world, record["from"], record["to"], record["body"], [])


def _fail(world: World, sid: str) -> None:
    record = world.table("messages").get(sid)
    if record is not None and record["status"] not in FINAL:
        record["error_code"], record["error_message"] = REJECTED
        _move(world, sid, "failed")


def _move(world: World, sid: str, status: str) -> Record | None:
    record = world.table("messages").get(sid)
    if record is None or record["status"] in FINAL:
        return None
    record["status"] = status
    stamp(record, "date_updated", world.now())
    world.save()
    if record.get("_callback"):
        world.callbacks.deliver(
            record["_callback"],
            record.get("_callback_method") or "POST",
            status_params(record),
            world.token_of(record["account_sid"]),
            key=sid,
        )
    return record


def _price(record: Record) -> Any:
    inbound = record["direction"] == "inbound"
    return pricing.message_price(int(record["num_segments"]), int(record["num_media"]), inbound)


def status_params(record: Record) -> list[tuple[str, str]]:
    params = [
        ("ApiVersion", API_VERSION),
        ("AccountSid", record["account_sid"]),
        ("From", record["from"]),
        ("MessageSid", record["sid"]),
        ("MessageStatus", record["status"]),
        ("SmsSid", record["sid"]),
        ("SmsStatus", record["status"]),
        ("To", record["to"]),
    ]
    if record.get("error_code"):
        params.append(("ErrorCode", str(record["error_code"])))
    return params


def receive(world: World, sender: str, to: str, body: str, media: list[str]) -> Record:
    """An SMS/MMS from the outside world to the sandbox number ``to`` (which must exist)."""
    number = world.numbers_by_phone(to)
    assert number is not None, "receive() needs a number the sandbox owns"
    now = world.now()
    sid = world.new_sid("MM" if media else "SM")
    record = message_record(
        number["account_sid"],
        sid,
        to=to,
        sender=sender,
        body=body,
        direction="inbound",
        status="received",
        created=now,
        num_media=len(media),
    )
    stamp(record, "date_sent", now)
    record["price"] = charge(_price(record))
    record["_media"] = media
    world.table("messages")[sid] = record
    world.save()
    _notify_sms_url(world, record, number)
    return record


def _notify_sms_url(world: World, record: Record, number: Record) -> None:
    target: Record = number
    app_sid = number.get("sms_application_sid")
    if app_sid and app_sid in world.table("applications"):
        target = world.table("applications")[app_sid]
    url = target.get("sms_url")
    if url:
        method = target.get("sms_method") or "POST"
        token = world.token_of(record["account_sid"])
        world.callbacks.deliver(url, method, inbound_params(record), token)


def inbound_params(record: Record) -> list[tuple[str, str]]:
    media: list[str] = record.get("_media") or []
    country_to = "US" if record["to"].startswith("+1") else ""
    country_from = "US" if record["from"].startswith("+1") else ""
    params = [
        ("ToCountry", country_to),
        ("ToState", ""),
        ("SmsMessageSid", record["sid"]),
        ("NumMedia", str(len(media))),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", record["sid"]),
        ("FromState", ""),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", record["body"]),
        ("FromCountry", country_from),
        ("To", record["to"]),
        ("ToZip", ""),
        ("NumSegments", record["num_segments"]),
        ("MessageSid", record["sid"]),
        ("AccountSid", record["account_sid"]),
        ("From", record["from"]),
        ("ApiVersion", API_VERSION),
    ]
    for index, url in enumerate(media):
        kind = mimetypes.guess_type(url)[0] or "application/octet-stream"
        params += [(f"MediaUrl{index}", url), (f"MediaContentType{index}", kind)]
    return params
