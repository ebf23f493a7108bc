"""The seeded world: two workspaces, deterministic down to every id, key and timestamp.

* **Northwind Plumbing** (the default, its key is ``SANDBOX.credentials["api_key"]``): three
  users, two numbers, seven custom fields, six contacts, two conversations of texts, an answered
  call (recording, transcript, summary), a missed call with a voicemail, $25.00 of credits, an
  approved A2P registration and a webhook "created in the Quo app" (invisible to the API,
  disabled).
* **Globex Dental**: one user, one number, one contact, 5 cents of credits and no A2P approval,
  so its key shows other workspaces' ids answering 404, 402s and ``0206400``.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.kit import IdMaker
from trunkline.sandbox.quo import records
from trunkline.sandbox.quo.timefmt import shift

Doc = dict[str, Any]

EPOCH = "2025-01-06T15:00:00.000Z"
SCHEMA_VERSION = 1


class _Seeder:
    def __init__(self) -> None:
        self.ids = IdMaker("quo-seed")
        self.data: dict[str, Any] = {"meta": {"schemaVersion": SCHEMA_VERSION}}

    def short(self, prefix: str) -> str:
        return self.ids.prefixed(prefix, 8, alphabet="alnum")

    def long(self, prefix: str) -> str:
        return self.ids.prefixed(prefix, 32)

    def put(self, table: str, doc: Doc, key: str | None = None) -> Doc:
        self.data.setdefault(table, {})[key or doc["id"]] = doc
        return doc

    def workspace(self, name: str, credits_cents: int, a2p: bool) -> Doc:
        org = {
            "id": self.short("OR"),
            "name": name,
            "apiKey": self.ids.alnum(32),
            "creditsCents": credits_cents,
            "a2pApproved": a2p,
            "createdAt": EPOCH,
        }
        return self.put("workspaces", org)

    def user(self, org: Doc, first: str, last: str, role: str, at: float) -> Doc:
        domain = org["name"].lower().replace(" ", "-") + ".example"
        user = {
            "id": self.short("US"),
            "orgId": org["id"],
            "email": f"{first.lower()}@{domain}",
            "firstName": first,
            "lastName": last,
            "pictureUrl": None,
            "role": role,
            "createdAt": shift(EPOCH, -86400 * 90 + at),
            "updatedAt": shift(EPOCH, -86400 * 90 + at),
        }
        return self.put("users", user)

    def number(self, org: Doc, name: str, number: str, symbol: str, users: list[Doc]) -> Doc:
        formatted = f"({number[2:5]}) {number[5:8]}-{number[8:]}"
        phone = {
            "id": self.short("PN"),
            "orgId": org["id"],
            "groupId": self.short("GR"),
            "portRequestId": None,
            "formattedNumber": formatted,
            "forward": None,
            "name": name,
            "number": number,
            "portingStatus": None,
            "symbol": symbol,
            "userIds": [u["id"] for u in users],
            "createdAt": shift(EPOCH, -86400 * 80),
            "updatedAt": shift(EPOCH, -86400 * 80),
            "restrictions": {
                "calling": dict(records.UNRESTRICTED),
                "messaging": dict(records.UNRESTRICTED),
            },
        }
        return self.put("phoneNumbers", phone)

    def custom_field(self, org: Doc, name: str, key: str, kind: str) -> Doc:
        field = {"id": self.ids.hex(24), "orgId": org["id"], "name": name, "key": key, "type": kind}
        return self.put("customFields", field)


def _northwind(s: _Seeder) -> None:
    org = s.workspace("Northwind Plumbing", credits_cents=2500, a2p=True)
    ava = s.user(org, "Ava", "Martinez", "owner", 0)
    ben = s.user(org, "Ben", "Okafor", "admin", 3600)
    chloe = s.user(org, "Chloe", "Nguyen", "member", 7200)
    org["ownerId"] = ava["id"]
    main = s.number(org, "Main Line", "+14155550123", "🔧", [ava, ben])
    dispatch = s.number(org, "Dispatch", "+14155550188", "🚐", [chloe])
    fields = {
        key: s.custom_field(org, name, key, kind)
        for name, key, kind in (
            ("Lead source", "lead-source", "string"),
            ("Service tier", "service-tier", "multi-select"),
            ("VIP", "vip", "boolean"),
            ("Next service date", "next-service", "date"),
            ("Lifetime value", "lifetime-value", "number"),
            ("Site address", "site-address", "address"),
            ("Website", "website", "url"),
        )
    }
    _contacts(s, org, ava, fields)
    _texts(s, org, main, ava, "+14155550142", 0, _MARIA_THREAD)
    _texts(s, org, dispatch, chloe, "+16505550117", 5400, _JAMES_THREAD)
    _answered_call(s, org, main, ben, "+14085550163", 86400, 184)
    _voicemail_call(s, org, main, ava, "+14155550177", 90000, 21)
    s.put(
        "webhooks",
        {
            "id": s.long("WH"),
            "orgId": org["id"],
            "userId": ava["id"],
            "label": "Zapier (created in the Quo app)",
            "status": "disabled",
            "url": "https://hooks.zapier.example/hooks/catch/1234/abcd/",
            "key": "YXBwLWNyZWF0ZWQtd2ViaG9vay1rZXktMDAwMQ==",
            "createdAt": shift(EPOCH, -86400 * 30),
            "updatedAt": shift(EPOCH, -86400 * 30),
            "deletedAt": None,
            "events": ["message.received"],
            "resourceIds": ["*"],
            "family": "messages",
            "createdVia": "ui",
        },
    )


ContactRow = tuple[str, str, str | None, str | None, str, str | None, dict[str, Any]]

_CONTACTS: tuple[ContactRow, ...] = (
    (
        "Maria",
        "Lopez",
        "Lopez Bakery",
        "Owner",
        "+14155550142",
        "maria@lopezbakery.example",
        {"lead-source": "Google", "vip": True, "service-tier": ["Gold"]},
    ),
    ("James", "Chen", None, None, "+16505550117", None, {"lead-source": "Referral"}),
    (
        "Priya",
        "Raman",
        "Raman Dental",
        "Office manager",
        "+14085550163",
        None,
        {"lifetime-value": 1840.5, "next-service": "2025-03-01T17:00:00.000Z"},
    ),
    (
        "Tom",
        "Becker",
        None,
        None,
        "+14155550177",
        "tom.becker@example.com",
        {"site-address": "12 Harbor Way, San Francisco, CA"},
    ),
    (
        "Sofia",
        "Rossi",
        "Rossi Cafe",
        None,
        "+14165550129",
        None,
        {"website": "https://rossicafe.example", "service-tier": ["Silver", "Commercial"]},
    ),
    ("Old", "Landline", None, None, "+14155550042", None, {}),
)


def _contacts(
    s: _Seeder,
    org: Doc,
    owner: Doc,
    fields: dict[str, Doc],
    entries: tuple[ContactRow, ...] = _CONTACTS,
) -> None:
    for index, (first, last, company, role, phone, email, custom) in enumerate(entries):
        at = shift(EPOCH, -86400 * 20 + index * 600)
        contact = {
            "id": s.ids.hex(24),
            "orgId": org["id"],
            "externalId": None,
            "source": "public-api",
            "sourceUrl": None,
            "defaultFields": {
                "company": company,
                "emails": [{"name": "primary", "value": email, "id": s.ids.alnum(10)}]
                if email
                else [],
                "firstName": first,
                "lastName": last,
                "phoneNumbers": [{"name": "mobile", "value": phone, "id": s.ids.alnum(10)}],
                "role": role,
            },
            "customFields": [
                {"id": fields[key]["id"], "value": value} for key, value in custom.items()
            ],
            "createdAt": at,
            "updatedAt": at,
            "createdByUserId": owner["id"],
        }
        s.put("contacts", contact)


_MARIA_THREAD = (
    ("incoming", "Hi, the kitchen sink is leaking again. Can someone come by tomorrow?"),
    ("outgoing", "Hi Maria, we can be there at 9am tomorrow. Does that work?"),
    ("incoming", "Perfect, thanks!"),
)
_JAMES_THREAD = (("outgoing", "Your technician is on the way, ETA 20 minutes."),)


def _conversation(s: _Seeder, org: Doc, phone: Doc, customer: str, at: str) -> Doc:
    convo = records.conversation(
        conversation_id=s.long("CN"),
        org_id=org["id"],
        phone_id=phone["id"],
        customer=customer,
        created_at=at,
    )
    return s.put("conversations", convo)


def _touch(convo: Doc, activity: Doc) -> None:
    convo["lastActivityAt"] = activity["createdAt"]
    convo["lastActivityId"] = activity["id"]
    convo["updatedAt"] = activity["createdAt"]


def _texts(
    s: _Seeder,
    org: Doc,
    phone: Doc,
    user: Doc,
    customer: str,
    offset: float,
    thread: tuple[tuple[str, str], ...],
) -> None:
    convo = _conversation(s, org, phone, customer, shift(EPOCH, offset))
    for index, (direction, text) in enumerate(thread):
        msg = records.message(
            message_id=s.long("AC"),
            org_id=org["id"],
            phone=phone,
            customer=customer,
            direction=direction,
            text=text,
            user_id=user["id"],
            status="delivered",
            created_at=shift(EPOCH, offset + 120 * index),
        )
        msg.update(conversationId=convo["id"], segments=1, encoding="GSM-7", priceCents=1)
        s.put("messages", msg)
        _touch(convo, msg)


def _call(s: _Seeder, org: Doc, phone: Doc, user: Doc, customer: str, offset: float) -> Doc:
    convo = _conversation(s, org, phone, customer, shift(EPOCH, offset))
    call = records.call(
        call_id=s.long("AC"),
        org_id=org["id"],
        phone=phone,
        customer=customer,
        user_id=user["id"],
        created_at=shift(EPOCH, offset),
    )
    call.update(conversationId=convo["id"], phase="ended", baseUrl="")
    _touch(convo, call)
    return s.put("calls", call)


def _answered_call(
    s: _Seeder, org: Doc, phone: Doc, user: Doc, customer: str, offset: float, duration: int
) -> None:
    call = _call(s, org, phone, user, customer, offset)
    answered, done = shift(call["createdAt"], 6), shift(call["createdAt"], 6 + duration)
    call.update(
        status="completed",
        answeredAt=answered,
        answeredBy=user["id"],
        completedAt=done,
        duration=duration,
        updatedAt=done,
    )
    rec = records.recording(
        recording_id=s.short("CR"),
        org_id=org["id"],
        call_id=call["id"],
        duration=duration,
        start=answered,
    )
    rec["status"] = "completed"
    s.put("recordings", rec)
    s.put(
        "transcripts",
        records.transcript(
            org_id=org["id"], call=call, phone=phone, created_at=done, voicemail=False
        ),
        call["id"],
    )
    s.put(
        "summaries",
        records.summary(org_id=org["id"], call_id=call["id"], voicemail=False),
        call["id"],
    )


def _voicemail_call(
    s: _Seeder, org: Doc, phone: Doc, user: Doc, customer: str, offset: float, duration: int
) -> None:
    call = _call(s, org, phone, user, customer, offset)
    done = shift(call["createdAt"], 25 + duration)
    call.update(status="missed", completedAt=done, duration=duration, updatedAt=done)
    vm = records.voicemail(
        voicemail_id=s.long("VM"), org_id=org["id"], call_id=call["id"], duration=duration
    )
    transcript = records.transcript(
        org_id=org["id"], call=call, phone=phone, created_at=done, voicemail=True
    )
    vm.update(status="completed", transcript=transcript["dialogue"][0]["content"])
    s.put("voicemails", vm, call["id"])
    s.put("transcripts", transcript, call["id"])
    s.put(
        "summaries",
        records.summary(org_id=org["id"], call_id=call["id"], voicemail=True),
        call["id"],
    )


def _globex(s: _Seeder) -> None:
    org = s.workspace("Globex Dental", credits_cents=5, a2p=False)
    hana = s.user(org, "Hana", "Sato", "owner", 0)
    org["ownerId"] = hana["id"]
    front = s.number(org, "Front Desk", "+13125550150", "🦷", [hana])
    leo: ContactRow = ("Leo", "Park", None, None, "+13125550111", None, {})
    _contacts(s, org, hana, {}, (leo,))
    _texts(s, org, front, hana, "+13125550111", 3000, (("incoming", "Is Saturday open?"),))


def _approved_registration(s: _Seeder, org: Doc, phone: Doc) -> None:
    """The A2P registration behind Northwind's approval (``GET /a2p-registration`` shows it).

    Made after every other seeded record, so no other seeded id changes."""
    submitted = shift(EPOCH, -86400 * 20)
    s.put(
        "a2pRegistrations",
        {
            "id": s.ids.prefixed("RG", 24),
            "orgId": org["id"],
            "draft": False,
            "status": "approved",
            "statusMessages": [],
            "autofillStatus": "completed",
            "type": "standard",
            "assignedPnId": phone["id"],
            "firstSubmittedAt": submitted,
            "createdAt": shift(EPOCH, -86400 * 21),
            "updatedAt": shift(EPOCH, -86400 * 14),
            "businessInfo": {
                "name": org["name"],
                "businessType": "Limited Liability Corporation",
                "companyType": "Private",
                "address": {
                    "line1": "500 Howard St",
                    "city": "San Francisco",
                    "region": "CA",
                    "postalCode": "94105",
                    "country": "US",
                },
            },
            "messaging": {"useCase": "customer-care", "personalUse": False},
        },
        org["id"],
    )


def build_seed() -> dict[str, Any]:
    seeder = _Seeder()
    _northwind(seeder)
    _globex(seeder)
    northwind = next(o for o in seeder.data["workspaces"].values() if o["a2pApproved"])
    main = next(p for p in seeder.data["phoneNumbers"].values() if p["orgId"] == northwind["id"])
    _approved_registration(seeder, northwind, main)
    return seeder.data
