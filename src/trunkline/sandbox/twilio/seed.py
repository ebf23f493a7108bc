"""The seeded world: one main account (with an API key), one subaccount, their numbers,
applications, queues and addresses, and four weeks of messages and calls so that lists,
filters, pagination and usage records have something to show.

Identifiers and contents are the same on every seed; dates are laid out backwards from the
moment of seeding, so the history is always "recent".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from trunkline.sandbox.kit import IdMaker, utcnow
from trunkline.sandbox.twilio import phones, pricing
from trunkline.sandbox.twilio.accounts import account_record
from trunkline.sandbox.twilio.addresses import address_record
from trunkline.sandbox.twilio.applications import application_record
from trunkline.sandbox.twilio.conferences import conference_record
from trunkline.sandbox.twilio.messaging import message_record
from trunkline.sandbox.twilio.numbers import number_record
from trunkline.sandbox.twilio.queues import queue_record
from trunkline.sandbox.twilio.recordings import recording_record
from trunkline.sandbox.twilio.serialize import charge, from_iso, iso, stamp
from trunkline.sandbox.twilio.voice import call_record

Record = dict[str, Any]
SEED = "trunkline-twilio-sandbox"
HISTORY_DAYS = 28
MAIN_NUMBERS = (
    ("+14155552671", "Main line"),
    ("+14155553894", "Support line"),
    ("+16505557301", "Marketing"),
    ("+18885552468", "Toll-free line"),
)
SUB_NUMBERS = (("+13125559012", "Chicago office"),)
UNREACHABLE_CUSTOMERS = ("+14155550042", "+12125550150")
AREA_CODES = ("415", "650", "510", "408", "212", "312", "617", "206")
OUTBOUND_TEXTS = (
    "Hi! Your appointment is confirmed for tomorrow at 10am.",
    "Thanks for calling, here is the link we mentioned: https://example.com/quote",
    "Your order has shipped and should arrive on Friday.",
    "Reminder: your invoice is due next week.",
    "We received your request and a specialist will call you back today.",
)
INBOUND_TEXTS = (
    "Can we move the appointment to 2pm?",
    "Thanks, got it!",
    "Is the store open on Sunday?",
    "Please call me back when you can.",
    "STOP",
)


@dataclass(frozen=True)
class Identity:
    account_sid: str
    auth_token: str
    subaccount_sid: str
    subaccount_token: str
    api_key_sid: str
    api_key_secret: str


def identity() -> Identity:
    """The seeded credentials (what the default sandbox connection uses)."""
    ids = IdMaker(SEED)
    return Identity(
        account_sid=ids.prefixed("AC"),
        auth_token=ids.hex(32),
        subaccount_sid=ids.prefixed("AC"),
        subaccount_token=ids.hex(32),
        api_key_sid=ids.prefixed("SK"),
        api_key_secret=ids.alnum(32),
    )


def build_world() -> dict[str, Any]:
    me = identity()
    ids = IdMaker(SEED + "-records")
    now = utcnow().replace(microsecond=0)
    world: dict[str, Any] = {"meta": {"seeded_at": iso(now)}}
    world["accounts"] = _accounts(me, now)
    world["keys"] = {me.api_key_sid: _api_key(me, now)}
    world["numbers"] = _numbers(ids, me, now)
    world["applications"] = _applications(ids, me.account_sid, now)
    world["queues"] = _queues(ids, me.account_sid, now)
    world["addresses"] = _addresses(ids, me.account_sid, now)
    customers = _customers(ids)
    world["messages"], world["calls"] = {}, {}
    for account_sid, numbers, volume in (
        (me.account_sid, [n for n, _ in MAIN_NUMBERS[:3]], 160),
        (me.subaccount_sid, [n for n, _ in SUB_NUMBERS], 12),
    ):
        _history(ids, world, account_sid, numbers, customers, now, volume)
    _extras(IdMaker(SEED + "-extras"), world, me.account_sid, now)
    return world


def _extras(ids: IdMaker, world: dict[str, Any], account_sid: str, now: datetime) -> None:
    """Recordings of some past calls and two finished conferences (own ids, so the records
    above keep theirs)."""
    world["recordings"], world["conferences"] = {}, {}
    for table in ("media", "participants", "members", "triggers", "addons"):
        world[table] = {}
    answered = [
        c
        for c in world["calls"].values()
        if c["account_sid"] == account_sid and c["status"] == "completed"
    ]
    for call in sorted(answered, key=lambda c: c["_start_time"])[::6]:
        started = from_iso(call["_start_time"])
        record = recording_record(call, ids.prefixed("RE"), started, source="OutboundAPI")
        record["status"], record["duration"] = "completed", call["duration"]
        stamp(record, "date_updated", started + timedelta(seconds=int(call["duration"]) + 5))
        world["recordings"][record["sid"]] = record
    for age, name in ((3, "Weekly sales sync"), (10, "Support escalation")):
        created = now - timedelta(days=age, hours=2)
        sid = ids.prefixed("CF")
        record = conference_record(account_sid, sid, name, created, "completed")
        record["reason_conference_ended"] = "last-participant-left"
        stamp(record, "date_updated", created + timedelta(minutes=25))
        world["conferences"][sid] = record


def _accounts(me: Identity, now: datetime) -> dict[str, Record]:
    main = account_record(
        me.account_sid, me.auth_token, "Trunkline Sandbox", me.account_sid, now - timedelta(400)
    )
    sub = account_record(
        me.subaccount_sid,
        me.subaccount_token,
        "Sandbox Subaccount",
        me.account_sid,
        now - timedelta(days=90),
    )
    return {main["sid"]: main, sub["sid"]: sub}


def _api_key(me: Identity, now: datetime) -> Record:
    key: Record = {
        "sid": me.api_key_sid,
        "secret": me.api_key_secret,
        "account_sid": me.account_sid,
        "friendly_name": "Sandbox API key",
    }
    stamp(key, "date_created", now - timedelta(days=60))
    return key


def _numbers(ids: IdMaker, me: Identity, now: datetime) -> dict[str, Record]:
    found: dict[str, Record] = {}
    owned = [(me.account_sid, n) for n in MAIN_NUMBERS] + [
        (me.subaccount_sid, n) for n in SUB_NUMBERS
    ]
    for age, (account_sid, (phone, name)) in enumerate(owned):
        sid = ids.prefixed("PN")
        created = now - timedelta(days=300 - 20 * age)
        found[sid] = number_record(
            account_sid, sid, phone, name, created, phones.number_type(phone)
        )
    return found


def _applications(ids: IdMaker, account_sid: str, now: datetime) -> dict[str, Record]:
    found = {}
    for age, name in enumerate(("Support IVR", "SMS autoresponder")):
        sid = ids.prefixed("AP")
        found[sid] = application_record(account_sid, sid, name, now - timedelta(days=200 - age))
    return found


def _queues(ids: IdMaker, account_sid: str, now: datetime) -> dict[str, Record]:
    found = {}
    for age, (name, size) in enumerate((("Support", 100), ("Sales", 50))):
        sid = ids.prefixed("QU")
        found[sid] = queue_record(account_sid, sid, name, now - timedelta(days=150 - age), size)
    return found


def _addresses(ids: IdMaker, account_sid: str, now: datetime) -> dict[str, Record]:
    fields = {
        "FriendlyName": "Headquarters",
        "CustomerName": "Trunkline Sandbox Inc.",
        "Street": "1 Market St",
        "City": "San Francisco",
        "Region": "CA",
        "PostalCode": "94105",
        "IsoCountry": "US",
    }
    sid = ids.prefixed("AD")
    return {sid: address_record(account_sid, sid, fields, now - timedelta(days=350))}


def _customers(ids: IdMaker) -> list[str]:
    found = [f"+1{ids.choice(AREA_CODES)}555{ids.randint(200, 9999):04d}" for _ in range(30)]
    return found + list(UNREACHABLE_CUSTOMERS)


def _history(
    ids: IdMaker,
    world: dict[str, Any],
    account_sid: str,
    numbers: list[str],
    customers: list[str],
    now: datetime,
    volume: int,
) -> None:
    for _ in range(volume):
        ours, theirs = ids.choice(numbers), ids.choice(customers)
        when = now - timedelta(seconds=ids.randint(3600, HISTORY_DAYS * 86400))
        message = _past_message(ids, account_sid, ours, theirs, when)
        world["messages"][message["sid"]] = message
    for _ in range(volume * 3 // 2):
        ours, theirs = ids.choice(numbers), ids.choice(customers)
        when = now - timedelta(seconds=ids.randint(3600, HISTORY_DAYS * 86400))
        call = _past_call(ids, world, account_sid, ours, theirs, when)
        world["calls"][call["sid"]] = call


def _past_message(ids: IdMaker, account_sid: str, ours: str, theirs: str, when: datetime) -> Record:
    inbound = ids.randint(1, 10) <= 3 and phones.reach(theirs) is phones.Reach.OK
    texts = INBOUND_TEXTS if inbound else OUTBOUND_TEXTS
    record = message_record(
        account_sid,
        ids.prefixed("SM"),
        to=ours if inbound else theirs,
        sender=theirs if inbound else ours,
        body=ids.choice(texts),
        direction="inbound" if inbound else "outbound-api",
        status="received" if inbound else _final_sms_status(theirs),
        created=when,
    )
    if record["status"] == "failed":
        record["error_code"], record["error_message"] = 30006, "Landline or unreachable carrier"
        return record
    if record["status"] == "undelivered":
        record["error_code"], record["error_message"] = 30003, "Unreachable destination handset"
    stamp(record, "date_sent", when + timedelta(seconds=1))
    stamp(record, "date_updated", when + timedelta(seconds=3))
    segments = int(record["num_segments"])
    record["price"] = charge(pricing.message_price(segments, 0, inbound))
    return record


def _final_sms_status(to: str) -> str:
    return {
        phones.Reach.OK: "delivered",
        phones.Reach.NO_ANSWER: "undelivered",
        phones.Reach.REJECTED: "failed",
    }[phones.reach(to)]


def _past_call(
    ids: IdMaker, world: dict[str, Any], account_sid: str, ours: str, theirs: str, when: datetime
) -> Record:
    inbound = ids.randint(1, 10) <= 6 and phones.reach(theirs) is phones.Reach.OK
    number_sid = next(sid for sid, n in world["numbers"].items() if n["phone_number"] == ours)
    record = call_record(
        account_sid,
        ids.prefixed("CA"),
        to=ours if inbound else theirs,
        sender=theirs if inbound else ours,
        direction="inbound" if inbound else "outbound-api",
        status=_final_call_status(ids, theirs),
        created=when,
        number_sid=number_sid if inbound else None,
    )
    talk = ids.randint(15, 900) if record["status"] == "completed" else 0
    start = when + timedelta(seconds=1)
    stamp(record, "start_time", start)
    stamp(record, "end_time", start + timedelta(seconds=talk + ids.randint(3, 25)))
    stamp(record, "date_updated", start + timedelta(seconds=talk + 30))
    record["duration"] = str(talk)
    if talk:
        toll_free = phones.number_type(record["to"]) == "tollfree"
        record["price"] = charge(pricing.call_price(talk, inbound, toll_free))
    return record


def _final_call_status(ids: IdMaker, theirs: str) -> str:
    reach = phones.reach(theirs)
    if reach is phones.Reach.NO_ANSWER:
        return "no-answer"
    if reach is phones.Reach.REJECTED:
        return "busy"
    roll = ids.randint(1, 100)
    return "completed" if roll <= 82 else "no-answer" if roll <= 94 else "busy"
