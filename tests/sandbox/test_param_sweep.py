"""Parameter sweep over the providers' specs: every GET operation a sandbox serves, with every
documented query parameter alone (each enum value, both booleans) and all combined, must be
accepted (no 4xx/5xx) and answer what the spec describes. Counts are printed per sandbox.

POST/PUT/PATCH/DELETE operations of these specs document no query parameters (checked below);
their bodies are covered by the scenario tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from tests.sandbox.param_sweep import Operation, Query, Tally, concrete, operations, sweep
from tests.support.openapi_check import SpecChecker
from tests.support.servers import serve_asgi
from trunkline.sandbox.callrail import SANDBOX as CALLRAIL
from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.quo import SANDBOX as QUO
from trunkline.sandbox.twilio import create_app as twilio_app
from trunkline.sandbox.twilio.seed import identity

TWILIO_SPEC = "twilio_api_v2010.json"
CALLRAIL_SPEC = "callrail-v3.derived.openapi.json"
QUO_SPEC = "openphone-v1.openapi.json"
QUO_DATED_SPEC = "quo-2026-03-30.derived.openapi.json"
Values = dict[str, list[str]]


def report(name: str, tally: Tally) -> None:
    print("\n" + tally.line(name))
    for failure in tally.failures:
        print("  " + failure)
    assert not tally.failures, f"{len(tally.failures)} unexpected errors (listed above)"


@pytest.mark.parametrize("spec", [TWILIO_SPEC, CALLRAIL_SPEC, QUO_SPEC, QUO_DATED_SPEC])
def test_other_methods_take_no_query_parameters(spec: str) -> None:
    others = list(operations(spec, ("post", "put", "patch", "delete")))
    assert others and all(not op.required and not op.optional for op in others)


def wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "sweep setup: condition never met"
        time.sleep(0.02)


# --- Twilio ---------------------------------------------------------------------------------

# Fetching one item of a collection the sandbox keeps empty can only be a 404.
TWILIO_NO_INSTANCE = {
    "GET /2010-04-01/Accounts/{AccountSid}/Notifications/{Sid}.json": (
        404,
        "the sandbox raises no notifications",
    ),
    "GET /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Notifications/{Sid}.json": (
        404,
        "the sandbox raises no notifications",
    ),
    "GET /2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings/{Sid}.json": (
        404,
        "conferences are not recorded in the sandbox",
    ),
    "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{ResourceSid}/AssignedAddOns/"
    "{AssignedAddOnSid}/Extensions/{Sid}.json": (404, "sandbox add-ons have no extensions"),
}


def served(app: Starlette, path: str) -> bool:
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    return any(route.matches(scope)[0] is Match.FULL for route in app.routes)


def twilio_world(http: httpx.Client, control: httpx.Client, account: str) -> dict[str, str]:
    """Live resources for every path parameter: a recorded call in progress, an MMS, a
    conference with a participant, a queue member, a trigger, an add-on."""
    base = f"/2010-04-01/Accounts/{account}"

    def first(path: str, key: str, **params: str) -> str:
        return str(http.get(f"{base}/{path}", params=params).json()[key][0]["sid"])

    call = http.post(
        f"{base}/Calls.json",
        data={"To": "+14155557900", "From": "+14155552671", "Twiml": "<Response/>"}
        | {"Record": "true"},
    ).json()["sid"]
    wait(lambda: http.get(f"{base}/Calls/{call}.json").json()["status"] == "in-progress")
    message = http.post(
        f"{base}/Messages.json",
        data={"To": "+14155557901", "From": "+14155552671", "MediaUrl": "https://e.x/a.png"},
    ).json()["sid"]
    participant = http.post(
        f"{base}/Conferences/Sweep room/Participants.json",
        data={"From": "+14155552671", "To": "+14155557902", "Label": "sweeper"},
    ).json()
    queue = first("Queues.json", "queues")
    caller = control.post(
        "/inbound/call", json={"from": "+12065557903", "to": "+14155553894", "duration": 14400}
    ).json()["call"]["sid"]
    wait(lambda: http.get(f"{base}/Calls/{caller}.json").json()["status"] == "in-progress")
    control.post(f"/queues/{queue}/members", json={"call_sid": caller}).raise_for_status()
    number = first("IncomingPhoneNumbers.json", "incoming_phone_numbers")
    addon = http.post(
        f"{base}/IncomingPhoneNumbers/{number}/AssignedAddOns.json",
        data={"InstalledAddOnSid": "XB" + "1" * 32},
    ).json()["sid"]
    trigger = http.post(
        f"{base}/Usage/Triggers.json",
        data={"CallbackUrl": "https://e.x/t", "TriggerValue": "100", "UsageCategory": "sms"},
    ).json()["sid"]
    return {
        "Accounts": account,
        "Addresses": first("Addresses.json", "addresses"),
        "Applications": first("Applications.json", "applications"),
        "AvailablePhoneNumbers": "US",
        "Calls": call,
        "Recordings@Calls": first(f"Calls/{call}/Recordings.json", "recordings"),
        "Recordings": first("Recordings.json", "recordings"),
        "Messages": message,
        "Media": first(f"Messages/{message}/Media.json", "media_list"),
        "Conferences": participant["conference_sid"],
        "Participants": participant["call_sid"],
        "Queues": queue,
        "Members": caller,
        "IncomingPhoneNumbers": number,
        "AssignedAddOns": addon,
        "Triggers": trigger,
    }


def twilio_resolver(world: dict[str, str]) -> Callable[[str, str], str]:
    def resolve(template: str, name: str) -> str:
        parts = template.split("/")
        index = next(i for i, p in enumerate(parts) if p.startswith("{" + name + "}"))
        collection = parts[index - 1]
        if collection == "Recordings" and "/Calls/" in template:
            collection = "Recordings@Calls"
        return world.get(collection, "XX" + "0" * 32)

    return resolve


def twilio_values(world: dict[str, str]) -> Values:
    today = datetime.now(UTC).date()
    week_ago = (today - timedelta(days=7)).isoformat()
    return {
        "To": ["+14155557900"],
        "From": ["+14155552671"],
        "ParentCallSid": [world["Calls"]],
        "CallSid": [world["Calls"]],
        "ConferenceSid": [world["Conferences"]],
        "FriendlyName": ["Support"],
        "PhoneNumber": ["415555", "+14155552671"],
        "CustomerName": ["Trunkline Sandbox Inc."],
        "IsoCountry": ["US"],
        "AreaCode": ["415", "212"],
        "Contains": ["555", "4155*", "CALL"],
        "NearNumber": ["+14155552671"],
        "NearLatLong": ["37.7749,-122.4194"],
        "Distance": ["50"],
        "InPostalCode": ["94105"],
        "InRegion": ["CA"],
        "InRateCenter": ["SNFC CNTRL"],
        "InLata": ["722"],
        "InLocality": ["San Francisco"],
        "Log": ["0", "1"],
        "Category": ["calls", "sms", "totalprice"],
        "UsageCategory": ["sms"],
        "StartDate": [week_ago, "-30days"],
        "EndDate": [today.isoformat()],
        "PageToken": ["PA" + world["Calls"]],
        "Page": ["0", "1"],
        "PageSize": ["1", "50"],
    }


def test_twilio_sweep() -> None:
    config = SandboxConfig(speed=50, webhook_attempts=1, extra={"twilio_talk_seconds": 3600})
    app = twilio_app(config)
    me = identity()
    auth = (me.account_sid, me.auth_token)
    with (
        serve_asgi(app) as url,
        httpx.Client(base_url=url, auth=auth, timeout=30, trust_env=False) as http,
        httpx.Client(base_url=url + "/_sandbox", auth=auth, timeout=30, trust_env=False) as ctl,
    ):
        world = twilio_world(http, ctl, me.account_sid)
        resolve = twilio_resolver(world)
        ops = [op for op in operations(TWILIO_SPEC) if served(app, concrete(op.template, resolve))]
        named = twilio_values(world)
        tally = sweep(
            http,
            SpecChecker(TWILIO_SPEC),
            ops,
            resolve,
            lambda _t, name, _s: named.get(name),
            expected=TWILIO_NO_INSTANCE,
        )
    report("Twilio", tally)
    assert tally.operations >= 45


# --- CallRail -------------------------------------------------------------------------------

CALLRAIL_FIELDS = {
    "/a.json": "numeric_id,name",
    "/a/{account_id}.json": "numeric_id,name",
    "companies": "verified_caller_ids,name",
    "trackers": "swap_targets,name",
    "calls": "answered,duration,customer_name,customer_phone_number,source,source_name,first_call",
    "summary": "total_calls,answered_calls",
    "timeseries": "total_calls,answered_calls",
    "form_submissions": "utm_source,customer_name",
    "forms": "total_forms,leads",
    "text-messages": "source,state",
    "sms-threads": "last_message_at,state",
    "users": "email,role",
    "tags": "name,color",
    "leads": "name,phone",
    "integrations": "signing_key",
}
CALLRAIL_SORT = {
    "calls": ["start_time", "duration", "customer_name"],
    "form_submissions": ["submitted_at", "form_url"],
    "users": ["email", "created_at"],
    "leads": ["created_at", "name"],
}


def callrail_collection(template: str) -> str:
    if template in CALLRAIL_FIELDS:
        return template
    if template.endswith("/forms/summary.json"):
        return "forms"
    parts = [p for p in template.removesuffix(".json").split("/") if p and "{" not in p]
    return parts[-1] if parts[-1] in CALLRAIL_FIELDS else parts[1] if len(parts) > 1 else ""


def callrail_world(http: httpx.Client) -> dict[str, str]:
    account = str(http.get("/v3/a.json").json()["accounts"][0]["id"])
    acct = f"/v3/a/{account}"

    def first(path: str, key: str, **params: str) -> str:
        return str(http.get(f"{acct}/{path}", params=params).json()[key][0]["id"])

    company = first("companies.json", "companies")
    http.post(
        f"{acct}/integrations.json",
        json={
            "type": "Webhooks",
            "company_id": company,
            "config": {"post_call_webhook": ["https://example.com/sweep"]},
        },
    ).raise_for_status()
    world = {
        "account_id": account,
        "company_id": company,
        "tracker_id": first("trackers.json", "trackers"),
        "call_id": first("calls.json", "calls", date_range="all_time"),
        "submission_id": first("form_submissions.json", "form_submissions", date_range="all_time"),
        "conversation_id": first("text-messages.json", "conversations", date_range="all_time"),
        "thread_id": first("sms-threads.json", "sms_threads", date_range="all_time"),
        "user_id": first("users.json", "users"),
        "tag_id": first("tags.json", "tags"),
        "integration_id": first("integrations.json", "integrations", company_id=company),
        "notification_id": first("notifications.json", "notifications"),
        "lead_id": first("leads.json", "leads"),
    }
    recorded = http.get(f"{acct}/calls.json", params={"date_range": "all_time", "per_page": 250})
    for call in recorded.json()["calls"]:
        if call["recording"]:
            world["recorded_call_id"] = call["id"]
            break
    tag = http.get(f"{acct}/tags.json").json()["tags"][0]
    world["tag_name"] = tag["name"]
    world["user_email"] = http.get(f"{acct}/users.json").json()["users"][0]["email"]
    return world


def callrail_values(
    world: dict[str, str],
) -> Callable[[str, str, dict[str, Any]], list[str] | None]:
    today = datetime.now(UTC).date()
    named: Values = {
        "company_id": [world["company_id"]],
        "tracker_id": [world["tracker_id"]],
        "tracker_ids[]": [world["tracker_id"]],
        "tags[]": [world["tag_name"]],
        "user_id": [world["user_id"]],
        "email": [world["user_email"]],
        "search": ["a"],
        "start_date": [(today - timedelta(days=20)).isoformat()],
        "end_date": [today.isoformat()],
        "time_zone": ["America/New_York", "UTC"],
        "min_duration": ["10"],
        "max_duration": ["600"],
        "offset": ["0"],
        "per_page": ["1", "250"],
        "page": ["1"],
        "person_lead": ["true"],
        "notification_type": ["email", "push"],
        "interval": ["day", "hour", "week", "month", "year"],
        "lead_status": ["good_lead", "not_a_lead"],
    }

    def values(template: str, name: str, _schema: dict[str, Any]) -> list[str] | None:
        collection = callrail_collection(template)
        if name == "fields":
            return [CALLRAIL_FIELDS.get(collection, "id")]
        if name == "sort":
            return CALLRAIL_SORT.get(collection, ["name"])
        return named.get(name)

    return values


def callrail_adjust(company_id: str) -> Callable[[Operation, str, Query], Query]:
    """The rules for parameters that cannot stand alone (or together), each with its reason."""

    def adjust(op: Operation, label: str, query: Query) -> Query:
        return _callrail_rules(op, label, query, company_id)

    return adjust


def _callrail_rules(op: Operation, label: str, query: Query, company_id: str) -> Query:
    names = {name for name, _ in query}
    if op.template.endswith("/integrations.json") and "company_id" not in names:
        # CallRail lists a company's integrations only: company_id is required in practice.
        query = [*query, ("company_id", company_id)]
    if label == "all combined" and op.template.endswith("/tags.json"):
        # tag_level=account with a company_id is a documented contradiction (400 on CallRail).
        query = [(n, v) for n, v in query if n != "tag_level"]
    long_window = any(
        (n, v) in (("date_range", "this_year"), ("date_range", "all_time")) for n, v in query
    ) or ("end_date" in names and "start_date" not in names)
    if op.template.endswith("/timeseries.json") and "interval" not in names and long_window:
        # A time series has at most 200 points: windows over 200 days need a longer interval.
        query = [*query, ("interval", "month")]
    if label == "all combined" and op.template.endswith("/calls.json"):
        # relative pagination replaces page numbers; the two are not mixed.
        query = [(n, v) for n, v in query if n != "page"]
    return query


def test_callrail_sweep() -> None:
    app = CALLRAIL.create_app(SandboxConfig(speed=1000, rate_limits=False))
    key = CALLRAIL.credentials["api_key"]
    headers = {"Authorization": f'Token token="{key}"'}
    with (
        serve_asgi(app) as url,
        httpx.Client(base_url=url, headers=headers, timeout=30, trust_env=False) as http,
    ):
        world = callrail_world(http)

        def resolve(template: str, name: str) -> str:
            if name == "call_id" and "/recording" in template:
                return world["recorded_call_id"]
            if name == "call_id" and "/transcription" in template:
                return world["recorded_call_id"]
            return world[name]

        ops = list(operations(CALLRAIL_SPEC))
        tally = sweep(
            http,
            SpecChecker(CALLRAIL_SPEC),
            ops,
            resolve,
            callrail_values(world),
            prefix="/v3",
            adjust=callrail_adjust(world["company_id"]),
        )
    report("CallRail", tally)
    assert tally.operations == len(ops) >= 25


# --- Quo ------------------------------------------------------------------------------------


def busiest_participant(http: httpx.Client, number: str, conversations: list[Any]) -> str:
    """The customer with the most calls on ``number`` (so call lists have a second page)."""

    def calls(participant: str) -> int:
        params = {"phoneNumberId": number, "participants": participant, "maxResults": 100}
        return len(http.get("/v1/calls", params=params).json()["data"])

    people = {c["participants"][0] for c in conversations if c["participants"]}
    return max(sorted(people), key=calls)


def quo_world(http: httpx.Client) -> dict[str, str]:
    number = http.get("/v1/phone-numbers").json()["data"][0]
    user = http.get("/v1/users", params={"maxResults": 10}).json()["data"][0]
    conversations = http.get(
        "/v1/conversations", params={"maxResults": 100, "phoneNumbers": number["id"]}
    ).json()["data"]
    participant = busiest_participant(http, number["id"], conversations)
    found = {"phoneNumberId": number["id"], "userId": user["id"], "participant": participant}
    for _ in range(2):  # a second call and message, so those lists have a next page (token)
        body = {"from": participant, "to": number["id"]}
        http.post("/_sandbox/calls/inbound", json={**body, "duration": 30}).raise_for_status()
        http.post("/_sandbox/messages/inbound", json={**body, "text": "sweep"}).raise_for_status()
    voicemail = {"from": participant, "to": number["id"], "outcome": "voicemail"}
    http.post("/_sandbox/calls/inbound", json=voicemail).raise_for_status()
    http.post("/_sandbox/clock/advance").raise_for_status()
    for conversation in conversations:
        messages = http.get(
            "/v1/messages",
            params={
                "phoneNumberId": number["id"],
                "participants": conversation["participants"],
                "maxResults": 10,
            },
        ).json()["data"]
        if messages:
            found["messageId"] = messages[0]["id"]
            break
    contact = http.get("/v1/contacts", params={"maxResults": 10}).json()["data"][0]
    found["contactId"] = contact["id"]
    hook = http.post(
        "/v1/webhooks/messages",
        json={"url": "https://example.com/sweep", "events": ["message.received"]},
    )
    found["webhookId"] = hook.json()["data"]["id"]
    return found


def quo_calls(http: httpx.Client, world: dict[str, str]) -> Iterator[str]:
    params = {"phoneNumberId": world["phoneNumberId"], "participants": world["participant"]}
    for call in http.get("/v1/calls", params={**params, "maxResults": 100}).json()["data"]:
        yield str(call["id"])


def quo_page_tokens(http: httpx.Client, world: dict[str, str]) -> dict[str, str]:
    """The next-page token of each paginated list, from a one-item first page."""
    lists = {
        "/v1/calls": {
            "phoneNumberId": world["phoneNumberId"],
            "participants": world["participant"],
        },
        "/v1/messages": {
            "phoneNumberId": world["phoneNumberId"],
            "participants": world["participant"],
        },
        "/v1/contacts": {},
        "/v1/conversations": {},
        "/v1/users": {},
    }
    tokens = {}
    for path, params in lists.items():
        body = http.get(path, params={**params, "maxResults": 1}).json()
        tokens[path] = body.get("nextPageToken") or ""
        assert tokens[path], f"{path}: the seeded world should fill more than one page"
    return tokens


def test_quo_sweep() -> None:
    app = QUO.create_app(
        SandboxConfig(speed=20, webhook_attempts=1, webhook_base_delay=0.05, rate_limits=False)
    )
    headers = {"Authorization": QUO.credentials["api_key"]}
    with (
        serve_asgi(app) as url,
        httpx.Client(base_url=url, headers=headers, timeout=30, trust_env=False) as http,
    ):
        world = quo_world(http)
        calls = list(quo_calls(http, world))
        by_path: dict[str, str] = {}
        for sub in ("call-recordings", "call-summaries", "call-transcripts", "call-voicemails"):
            for call in calls:
                if http.get(f"/v1/{sub}/{call}").is_success:
                    by_path[sub] = call
                    break

        def resolve(template: str, name: str) -> str:
            for sub, call in by_path.items():
                if f"/{sub}/" in template:
                    return call
            if "/calls/" in template:
                return calls[0] if calls else "AC" + "0" * 30
            if "/contacts/" in template:
                return world["contactId"]
            if "/messages/" in template:
                return world["messageId"]
            if "/webhooks/" in template:
                return world["webhookId"]
            if "/users/" in template:
                return world["userId"]
            return world["phoneNumberId"]

        tokens = quo_page_tokens(http, world)
        now = datetime.now(UTC)
        named: Values = {
            "phoneNumberId": [world["phoneNumberId"]],
            "phoneNumber": [world["phoneNumberId"]],
            "phoneNumbers": [world["phoneNumberId"]],
            "participants": [world["participant"]],
            "userId": [world["userId"]],
            "maxResults": ["10", "100"],
            "since": [(now - timedelta(days=30)).isoformat().replace("+00:00", "Z")],
            "createdAfter": [(now - timedelta(days=30)).isoformat().replace("+00:00", "Z")],
            "createdBefore": [now.isoformat().replace("+00:00", "Z")],
            "updatedAfter": [(now - timedelta(days=30)).isoformat().replace("+00:00", "Z")],
            "updatedBefore": [now.isoformat().replace("+00:00", "Z")],
            "sources": ["public-api"],
            "externalIds": ["sweep-1"],
        }

        def values(template: str, name: str, _schema: dict[str, Any]) -> list[str] | None:
            if name == "pageToken":
                return [tokens[template]]  # a token only means something for its own list
            return named.get(name)

        ops = list(operations(QUO_SPEC))
        tally = sweep(http, SpecChecker(QUO_SPEC), ops, resolve, values)
    report("Quo", tally)
    assert tally.operations == len(ops)


# --- Quo, the dated API (2026-03-30) --------------------------------------------------------

QUO_VERSION = "2026-03-30"
EVENT_TYPES = [
    "message.received",
    "message.delivered",
    "call.ringing",
    "call.completed",
    "call.recording.completed",
    "call.transcript.completed",
    "call.summary.completed",
    "call.voicemail.completed",
    "contact.updated",
    "task.created",
]
PROPERTY_TYPES = [  # the types a contact property has (the spec leaves `type` open)
    "phone-number", "email", "string", "multi-select", "boolean", "date", "number", "address",
    "url",
]  # fmt: skip


def rfc3339(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def receiver_app() -> Starlette:
    """Where the sweep's webhook delivers: acknowledges everything but ``call.ringing`` (500),
    so the delivery log has retried and failed deliveries as well as successful ones."""

    async def ack(request: Request) -> Response:
        refused = (await request.json()).get("type") == "call.ringing"
        return Response(status_code=500 if refused else 204)

    return Starlette(routes=[Route("/hook", ack, methods=["POST"])])


def quo_dated_world(http: httpx.Client, hook_url: str) -> dict[str, str]:
    """Live resources for every path id of the dated API, made through the API itself and the
    control surface: a webhook (made first, so the rest delivers to it), calls with recordings,
    transcripts, summaries and a voicemail, texts both ways, a contact with notes and
    properties, a task."""
    numbers = http.get("/phone-numbers").json()["data"]
    number = numbers[0]
    owner = http.get("/organization").json()["data"]
    user = http.get("/users").json()["data"][0]  # the owner, a user of the first number
    hook = http.post("/webhooks", json={"url": hook_url, "events": EVENT_TYPES, "label": "sweep"})
    hook.raise_for_status()
    world = {
        "phoneNumberId": number["id"],
        "phoneNumber": number["phoneNumber"],
        "otherPhoneNumberId": numbers[-1]["id"],
        "userId": user["id"],
        "orgId": owner["id"],
        "webhookId": hook.json()["data"]["id"],
        "participant": "+14085550163",
        "otherParticipant": "+14155550177",
    }
    caller = {"from": world["participant"], "to": number["id"]}
    for outcome in ("answered", "answered", "voicemail"):
        body = {**caller, "outcome": outcome, "duration": 30}
        http.post("/_sandbox/calls/inbound", json=body).raise_for_status()
    missed = {**caller, "from": world["otherParticipant"], "outcome": "missed"}
    http.post("/_sandbox/calls/inbound", json=missed).raise_for_status()
    # delivered, undelivered (an unreachable number) and failed (0990-0999 fail for good)
    recipients = (world["participant"], world["participant"], "+14155550042", "+14155550995")
    for index, recipient in enumerate(recipients):
        text = f"sweep {index}"
        http.post("/_sandbox/messages/inbound", json={**caller, "text": text}).raise_for_status()
        sent = {"from": number["id"], "to": [recipient], "content": text}
        http.post("/v1/messages", json={**sent, "userId": user["id"]}).raise_for_status()
    http.post("/_sandbox/clock/advance").raise_for_status()
    wait(lambda: all(c["status"] in ("completed", "missed") for c in quo_dated_calls(http, world)))
    http.post("/_sandbox/clock/advance").raise_for_status()  # recordings, transcripts, summaries
    calls = quo_dated_calls(http, world)
    world["answeredCallId"] = next(c["id"] for c in calls if c["status"] == "completed")
    world["voicemailCallId"] = next(c["id"] for c in calls if c["status"] == "missed")
    world["messageId"] = http.get("/messages", params={"limit": 1}).json()["data"][0]["id"]

    contact = http.post(
        "/contacts",
        json={"firstName": "Sweep", "lastName": "Tester", "externalId": "sweep-1"}
        | {"source": "sweep-import"},
    )
    contact.raise_for_status()
    contact_id = contact.json()["data"]["id"]
    base = f"/contacts/{contact_id}"
    notes = [http.post(f"{base}/notes", json={"text": t}) for t in ("First note", "Second note")]
    properties = [
        http.post(f"{base}/properties", json=body)
        for body in (
            {"type": "phone-number", "name": "Mobile", "value": world["participant"]},
            {"type": "email", "name": "Work", "value": "sweep@example.com"},
            {"type": "string", "name": "Sweep color", "value": "teal"},
        )
    ]
    for response in (*notes, *properties):
        response.raise_for_status()
    world |= {
        "contactId": contact_id,
        "noteId": notes[0].json()["data"]["id"],
        "propertyId": properties[0].json()["data"]["id"],
    }
    conversation = http.get("/conversations", params={"phoneNumberId": number["id"]}).json()
    task = {
        "title": "Call back",
        "description": "About the sweep",
        "conversationId": conversation["data"][0]["id"],
        "assignedTo": user["id"],
        "dueDate": rfc3339(datetime.now(UTC) + timedelta(days=1)),
    }
    created = http.post("/tasks", json=task)
    created.raise_for_status()
    world["taskId"] = created.json()["data"]["taskId"]

    events = f"/webhooks/{world['webhookId']}/events"
    http.post(f"{events}/test", json={"eventType": "task.updated"}).raise_for_status()

    def logged() -> list[Any]:
        found: list[Any] = http.get(events, params={"limit": 50}).json()["data"]
        return found

    wait(lambda: {"message.received", "task.updated"} <= {d["eventType"] for d in logged()})

    def exhausted() -> bool:  # the refused deliveries run through their retries
        http.post("/_sandbox/clock/advance").raise_for_status()
        return "failed" in {d["status"] for d in logged()}

    wait(exhausted)
    deliveries = logged()
    world["deliveryId"] = next(d["id"] for d in deliveries if d["status"] == "failed")
    world["resourceId"] = next(
        d["resourceId"] for d in deliveries if d["eventType"] == "message.received"
    )
    # a call still in progress during the sweep (an hour of talk at speed 20: three minutes)
    live = {**caller, "from": world["otherParticipant"], "duration": 3600}
    http.post("/_sandbox/calls/inbound", json=live).raise_for_status()
    return world


def quo_dated_calls(http: httpx.Client, world: dict[str, str]) -> list[dict[str, Any]]:
    params = {"participant": world["participant"], "phoneNumberId": world["phoneNumberId"]}
    calls: list[dict[str, Any]] = http.get("/calls", params={**params, "limit": 50}).json()["data"]
    return calls


# Lists the sandbox can never make a second page of: there is no cursor to send as `after`.
QUO_DATED_ONE_PAGE = {
    "/calls/{callId}/recordings": "one recording per call (paused recordings are not modelled)",
    "/calls/{callId}/transcripts": "one transcript per recording, so one per call",
    "/contacts/{contactId}/shares": "a contact is shared with its workspace only",
    "/users/{userId}/phone-numbers": "no API puts a user on a second number",
}
NO_CURSOR = "no-second-page"


def quo_dated_adjust(op: Operation, label: str, query: Query) -> Query | None:
    if op.template in QUO_DATED_ONE_PAGE:
        # QUO_DATED_ONE_PAGE: no nextCursor exists, so `after` alone is left out and the
        # combined request goes without it
        if label.startswith("after="):
            return None
        return [(name, value) for name, value in query if name != "after"]
    return query


def quo_dated_resolver(world: dict[str, str]) -> Callable[[str, str], str]:
    def resolve(template: str, name: str) -> str:
        if name == "callId":
            # recordings and transcripts come from an answered call; the call itself is the
            # voicemail, so include=voicemail has something to inline
            answered = template.endswith(("/recordings", "/transcripts"))
            return world["answeredCallId" if answered else "voicemailCallId"]
        return world[name]

    return resolve


def quo_dated_cursors(
    http: httpx.Client, ops: list[Operation], resolve: Callable[[str, str], str]
) -> dict[str, str]:
    """The ``nextCursor`` of each paginated list, from a one-item first page of that list."""
    cursors = {}
    for op in ops:
        if "after" in op.optional:
            body = http.get(concrete(op.template, resolve), params={"limit": 1}).json()
            one_page = op.template in QUO_DATED_ONE_PAGE
            assert (body["nextCursor"] is None) == one_page, f"{op.template}: {body}"
            cursors[op.template] = body["nextCursor"] or NO_CURSOR
    return cursors


QUO_DATED_FIRST = {
    ("/calls", "status"): "completed",
    ("/messages", "status"): "delivered",
    ("/messages", "direction"): "outgoing",
    ("/webhooks/{webhookId}/events", "status"): "success",
    ("/webhooks/{webhookId}/events", "eventType"): "message.received",
}


def quo_dated_values(
    world: dict[str, str], cursors: dict[str, str]
) -> Callable[[str, str, dict[str, Any]], list[str] | None]:
    now = datetime.now(UTC)
    pacific = timezone(timedelta(hours=-8))

    def instant(moment: datetime) -> list[str]:
        """RFC 3339 in UTC, then the same instant with an offset and fractional seconds."""
        return [rfc3339(moment), moment.astimezone(pacific).isoformat(timespec="milliseconds")]

    since, until = instant(now - timedelta(days=7)), instant(now + timedelta(minutes=5))
    pair = f"{world['participant']},{world['otherParticipant']}"
    named: Values = {
        "limit": ["1", "50"],
        "phoneNumberId": [world["phoneNumberId"]],
        "phoneNumberId[in]": [f"{world['phoneNumberId']},{world['otherPhoneNumberId']}"],
        "actorId": [world["userId"]],
        "userId": [world["userId"]],
        "participant": [world["participant"]],
        "participant[in]": [pair],
        "status[in]": ["completed,missed"],
        "createdAt[gte]": since,
        "createdAt[lte]": until,
        "createdAt[gt]": since,
        "createdAt[lt]": until,
        "updatedAt[gte]": since,
        "updatedAt[lte]": until,
        "createdAfter": since,
        "createdBefore": until,
        # the default order first, so the combined request keeps the order its cursor was cut in
        "sort": ["createdAt:desc", "createdAt:asc", "updatedAt:asc", "updatedAt:desc"],
        "externalId": ["sweep-1"],
        "externalId[in]": ["sweep-1,sweep-2"],
        "source": ["sweep-import"],
        "source[in]": ["sweep-import,public-api"],
        "type": PROPERTY_TYPES,
        # E.164, a 3-8 digit short code, or Anonymous/Restricted/Blocked (the spec's wording)
        "from": [world["participant"], "12345", "Anonymous"],
        "to": [world["phoneNumber"]],
        "to[all]": [world["phoneNumber"]],
        "phoneNumber": [world["phoneNumber"]],
        "countryCode": ["US", "CA"],
        "areaCode": ["415"],
        "inLocality": ["San Francisco"],
        "inRegion": ["CA"],
        "contains": ["555"],
        "eventType[in]": ["message.received,call.completed"],
        "eventTypes": ["message.received,call.completed"],
        "resourceId": [world["resourceId"]],
    }

    def values(template: str, name: str, schema: dict[str, Any]) -> list[str] | None:
        if name == "after":
            return [cursors[template]]  # a cursor only means something for its own list
        if schema.get("enum") and (template, name) in QUO_DATED_FIRST:
            # a value the world has first, so the combined request can match something
            first = QUO_DATED_FIRST[template, name]
            return [first, *(str(v) for v in schema["enum"] if v != first)]
        options = schema.get("items", {}).get("enum")
        if schema.get("type") == "array" and options and len(options) > 1:
            # comma-separated (style form, explode false): all of them first, then each alone
            return [",".join(options), *options]
        return named.get(name)

    return values


def test_quo_dated_sweep() -> None:
    app = QUO.create_app(
        SandboxConfig(speed=20, webhook_attempts=1, webhook_base_delay=0.05, rate_limits=False)
    )
    headers = {"Authorization": QUO.credentials["api_key"], "Quo-Api-Version": QUO_VERSION}
    with (
        serve_asgi(receiver_app()) as hooks,
        serve_asgi(app) as url,
        httpx.Client(base_url=url, headers=headers, timeout=30, trust_env=False) as http,
    ):
        world = quo_dated_world(http, f"{hooks}/hook")
        resolve = quo_dated_resolver(world)
        ops = list(operations(QUO_DATED_SPEC))
        cursors = quo_dated_cursors(http, ops, resolve)
        tally = sweep(
            http,
            SpecChecker(QUO_DATED_SPEC),
            ops,
            resolve,
            quo_dated_values(world, cursors),
            adjust=quo_dated_adjust,
        )
    report("Quo 2026-03-30", tally)
    assert tally.operations == len(ops) == 27


def test_quo_dated_deprecated_filters_apply_with_their_replacements() -> None:
    """``eventTypes``/``createdAfter``/``createdBefore`` narrow the list alongside
    ``eventType[in]``/``createdAt[gt]``/``createdAt[lt]``; neither is silently dropped."""
    app = QUO.create_app(SandboxConfig(speed=50, rate_limits=False))
    headers = {"Authorization": QUO.credentials["api_key"], "Quo-Api-Version": QUO_VERSION}
    with (
        serve_asgi(receiver_app()) as hooks,
        serve_asgi(app) as url,
        httpx.Client(base_url=url, headers=headers, timeout=30, trust_env=False) as http,
    ):
        body = {"url": f"{hooks}/hook", "events": ["message.received"]}
        events = f"/webhooks/{http.post('/webhooks', json=body).json()['data']['id']}/events"
        for event_type in ("message.received", "call.completed"):
            test = http.post(f"{events}/test", json={"eventType": event_type})
            test.raise_for_status()

        def types(**params: str) -> list[str]:
            return sorted(d["eventType"] for d in http.get(events, params=params).json()["data"])

        both = "message.received,call.completed"
        assert types(**{"eventType[in]": both}) == ["call.completed", "message.received"]
        assert types(**{"eventType[in]": both, "eventTypes": "call.completed"}) == [
            "call.completed"
        ]
        assert types(**{"eventType[in]": "message.received", "eventTypes": "call.completed"}) == []
        later = rfc3339(datetime.now(UTC) + timedelta(minutes=1))
        assert types(**{"createdAt[lt]": later, "createdBefore": "2020-01-01T00:00:00Z"}) == []
        assert types(**{"createdAfter": later, "createdAt[gt]": "2020-01-01T00:00:00Z"}) == []
