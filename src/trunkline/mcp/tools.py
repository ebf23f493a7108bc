"""The MCP tools: Maton's names where they overlap, plus telephony tools named for the job.

Every tool talks to trunkline through the SDK (``AsyncClient``), never to its store, so the
same tools serve ``trunkline mcp`` on a desktop against a remote server and ``/mcp`` inside it.
A tool is data (name, description, input schema, hints) plus one async handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from trunkline.actions import Action, ActionError, ActionRunner, Actions
from trunkline.client import AsyncClient

E164 = {"type": "string", "pattern": r"^\+[1-9][0-9]{6,14}$"}
TELEPHONY_APPS = ("quo", "twilio", "ringcentral", "callrail")
EVENT_PAGE = 500
MAX_WAIT = 60.0


@dataclass
class Call:
    """One tool call: who is calling (the client carries the key) and with what."""

    client: AsyncClient
    actions: Actions
    args: dict[str, Any]
    connection: str | None = None
    # For the audit line: the actions run, and the connection the last one used.
    ran: list[str] = field(default_factory=list)
    used: str | None = None

    @property
    def runner(self) -> ActionRunner:
        return ActionRunner(self.client)

    def arg(self, name: str, default: Any = None) -> Any:
        value = self.args.get(name)
        return default if value is None else value

    async def run(self, name: str, arguments: dict[str, Any], connection: str | None) -> Any:
        action = self.actions.get(name)
        if action is None:
            raise ActionError(f"no action {name!r}; search_actions lists them")
        self.ran.append(name)
        result = await self.runner.run(action, arguments, connection=connection)
        self.used = result.get("connection") or self.used
        return result


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    properties: dict[str, Any]
    handler: Handler
    required: tuple[str, ...] = ()
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    # Whether it reaches a provider (open world) or only trunkline's own state.
    provider: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def input_schema(self) -> dict[str, Any]:
        props = dict(self.properties)
        props.setdefault(
            "connection",
            {
                "type": "string",
                "description": "A connection id; the Maton-Connection header's, or the app's "
                "default (oldest ACTIVE) connection, when omitted.",
            },
        )
        schema: dict[str, Any] = {
            "type": "object",
            "properties": props,
            "additionalProperties": False,
            **self.extra,
        }
        if self.required:
            schema["required"] = list(self.required)
        return schema


# -- Maton's tools ----------------------------------------------------------------------------


async def whoami(call: Call) -> Any:
    return (await call.client.user()).model_dump(mode="json")


async def list_connections(call: Call) -> Any:
    found = await call.client.connections.list(
        app=call.arg("app"), status=call.arg("status"), limit=call.arg("limit")
    )
    return {"connections": [c.model_dump(mode="json") for c in found]}


async def get_connection(call: Call) -> Any:
    conn = await call.client.connections.get(call.args["connection_id"])
    return {"connection": conn.model_dump(mode="json")}


async def create_connection(call: Call) -> Any:
    conn = await call.client.connections.create(
        call.args["app"], method=call.arg("method"), credentials=call.arg("credentials")
    )
    note = (
        "Open url in a browser to finish connecting."
        if conn.status == "PENDING" and conn.url
        else None
    )
    return {"connection": conn.model_dump(mode="json"), "note": note}


async def delete_connection(call: Call) -> Any:
    await call.client.connections.delete(call.args["connection_id"])
    return {"deleted": call.args["connection_id"]}


async def search_apps(call: Call) -> Any:
    query = str(call.arg("query", "")).casefold()
    apps = [a.model_dump(mode="json") for a in await call.client.apps()]
    found = [a for a in apps if query in f"{a['app']} {a['name']}".casefold()]
    return {"apps": found}


def _action_summary(action: Action) -> dict[str, Any]:
    return {
        "name": action.name,
        "title": action.title,
        "description": action.description,
        "hints": action.hints.model_dump(),
    }


async def search_actions(call: Call) -> Any:
    found = call.actions.search(call.arg("query", ""), call.arg("app"), call.arg("limit", 20))
    return {"actions": [_action_summary(a) for a in found]}


async def get_action(call: Call) -> Any:
    action = call.actions.get(call.args["name"])
    if action is None:
        raise ActionError(f"no action {call.args['name']!r}; search_actions lists them")
    return {**_action_summary(action), "input_schema": action.input_schema()}


async def run_action(call: Call) -> Any:
    return await call.run(call.args["name"], call.arg("input", {}), call.connection)


async def api(call: Call) -> Any:
    """A raw gateway call; the provider's answer as it is (errors are tool errors)."""
    app, path = call.args["app"], call.args["path"]
    path = path if path.startswith("/") else f"/{path}"
    response = await call.client.request(
        call.arg("method", "GET"),
        f"/{app}{path}",
        connection=call.connection,
        params=call.arg("query"),
        json=call.arg("body"),
        headers=call.arg("headers"),
    )
    try:
        body: Any = response.json() if response.content else None
    except ValueError:
        body = response.text
    if response.status_code >= 400:
        from trunkline.actions import provider_message

        message = provider_message(body) or f"HTTP {response.status_code}"
        raise ActionError(message, status=response.status_code, body=body)
    return {"status": response.status_code, "body": body}


# -- Telephony tools --------------------------------------------------------------------------


async def _app_for(call: Call, apps: tuple[str, ...]) -> tuple[str, str | None]:
    """Which app (and connection) a curated tool works on: the named one, the connection's, or
    the first of ``apps`` with an ACTIVE connection."""
    if call.connection:
        conn = await call.client.connections.get(call.connection)
        if conn.app not in apps:
            raise ActionError(f"this tool works with {', '.join(apps)}, not {conn.app}")
        return conn.app, conn.connection_id
    wanted = call.arg("app")
    if wanted and wanted not in apps:
        raise ActionError(f"this tool works with {', '.join(apps)}, not {wanted}")
    active = await call.client.connections.list(status="ACTIVE")
    for app in (wanted,) if wanted else apps:
        if any(c.app == app for c in active):
            return app, None
    raise ActionError(f"no ACTIVE connection for {wanted or ' or '.join(apps)}")


def _paging(call: Call) -> dict[str, Any]:
    return {"limit": call.arg("limit", 20), "cursor": call.arg("cursor")}


async def _quo_number(call: Call, connection: str | None, wanted: str | None) -> dict[str, Any]:
    """A Quo number by E.164 or PN id; the workspace's first one when not named."""
    numbers = (await call.run("quo.list_phone_numbers", {}, connection))["data"]
    for number in numbers:
        if wanted in (None, number["id"], number["number"]):
            return dict(number)
    raise ActionError(f"{wanted} is not one of this workspace's Quo numbers")


async def send_sms(call: Call) -> Any:
    app, conn = await _app_for(call, ("quo", "twilio", "ringcentral"))
    conn = call.connection or conn
    cursor = await _tail_cursor(call.client, "message.received")
    to, text, sender = call.args["to"], call.args["text"], call.arg("from")
    key = {"idempotency_key": call.arg("idempotency_key")}
    if app == "quo":
        sender = sender or (await _quo_number(call, conn, None))["number"]
        result = await call.run(
            "quo.send_message", {"from": sender, "to": to, "text": text, **key}, conn
        )
    elif app == "twilio":
        if not sender:
            raise ActionError("from is required for Twilio: one of the account's numbers")
        result = await call.run(
            "twilio.send_message", {"from": sender, "to": to, "body": text, **key}, conn
        )
    else:
        if not sender:
            raise ActionError("from is required for RingCentral: the extension's own number")
        result = await call.run(
            "ringcentral.send_sms", {"from": sender, "to": to, "text": text, **key}, conn
        )
    result["events_cursor"] = cursor
    result["note"] = (
        "To wait for the reply, call wait_for_event with type message.received, "
        f"from {to} and after {cursor}."
    )
    return result


async def list_messages(call: Call) -> Any:
    app, conn = await _app_for(call, ("quo", "twilio"))
    conn = call.connection or conn
    participant = call.args["participant"]
    if app == "quo":
        number = await _quo_number(call, conn, call.arg("phone_number"))
        args = {"phone_number_id": number["id"], "participant": participant, **_paging(call)}
        return await call.run("quo.list_messages", args, conn)
    sent = await call.run("twilio.list_messages", {"to": participant, **_paging(call)}, conn)
    got = await call.run("twilio.list_messages", {"from": participant, **_paging(call)}, conn)
    items = sorted(sent["items"] + got["items"], key=_twilio_time, reverse=True)
    return {"action": "twilio.list_messages", "items": items[: call.arg("limit", 20)]}


def _twilio_time(message: dict[str, Any]) -> Any:
    from email.utils import parsedate_to_datetime

    raw = message.get("date_created")
    return parsedate_to_datetime(raw) if raw else 0


async def list_conversations(call: Call) -> Any:
    app, conn = await _app_for(call, ("quo", "callrail"))
    conn = call.connection or conn
    if app == "quo":
        args = {"exclude_inactive": call.arg("exclude_inactive"), **_paging(call)}
        return await call.run("quo.list_conversations", args, conn)
    return await call.run("callrail.list_text_conversations", _paging(call), conn)


async def list_calls(call: Call) -> Any:
    app, conn = await _app_for(call, TELEPHONY_APPS)
    conn = call.connection or conn
    who, direction = call.arg("participant"), call.arg("direction")
    if app == "quo":
        args = {"participant": who, "direction": direction, "status": call.arg("status")}
        return await call.run("quo.list_calls", {**args, **_paging(call)}, conn)
    if app == "callrail":
        answer = {"missed": "missed", "answered": "answered"}.get(call.arg("status", ""))
        args = {"search": who, "answer_status": answer, "date_range": "recent"}
        if direction:
            args["direction"] = "inbound" if direction == "incoming" else "outbound"
        return await call.run("callrail.list_calls", {**args, **_paging(call)}, conn)
    if app == "twilio":
        side = "to" if direction == "outgoing" else "from"
        return await call.run("twilio.list_calls", {side: who, **_paging(call)}, conn)
    rc = {"incoming": "Inbound", "outgoing": "Outbound"}.get(direction or "")
    return await call.run("ringcentral.list_call_log", {"direction": rc, **_paging(call)}, conn)


async def get_call_details(call: Call) -> Any:
    call_id = call.args["call_id"]
    if call_id.startswith("CAL"):
        app = "callrail"
    elif call_id.startswith("CA") and len(call_id) == 34:
        app = "twilio"
    else:
        app = "quo"
    if call.connection is None and call.arg("app"):
        app = call.args["app"]
    if app == "callrail":
        return await call.run("callrail.get_call", {"call_id": call_id}, call.connection)
    if app == "twilio":
        return await call.run("twilio.get_call", {"call_sid": call_id}, call.connection)
    return await call.run("quo.get_call", {"call_id": call_id}, call.connection)


async def search_contacts(call: Call) -> Any:
    args = {"query": call.args["query"], **_paging(call)}
    return await call.run("quo.search_contacts", args, call.connection)


CONTACT_FIELDS = ("first_name", "last_name", "company", "role", "email")


async def create_contact(call: Call) -> Any:
    args = {k: call.arg(k) for k in (*CONTACT_FIELDS, "phone_number", "external_id")}
    return await call.run("quo.create_contact", args, call.connection)


async def update_contact(call: Call) -> Any:
    args = {k: call.arg(k) for k in (*CONTACT_FIELDS[:4], "add_phone_number", "add_email")}
    return await call.run(
        "quo.update_contact", {"contact_id": call.args["contact_id"], **args}, call.connection
    )


def _event(event: Any, raw: bool) -> dict[str, Any]:
    out: dict[str, Any] = event.model_dump(mode="json")
    if not raw:
        out.pop("raw", None)
    return out


async def _tail_cursor(client: AsyncClient, type_: str | None) -> str:
    """The cursor after the newest event of ``type_``: waiting from it sees only new ones."""
    cursor: str | None = None
    while True:
        page = await client.events.list(type=type_, after=cursor, limit=EVENT_PAGE)
        cursor = page.next_cursor
        if len(page.events) < EVENT_PAGE:
            return cursor


async def list_events(call: Call) -> Any:
    page = await call.client.events.list(
        type=call.arg("type"),
        app=call.arg("app"),
        after=call.arg("after"),
        limit=call.arg("limit", 20),
    )
    raw = bool(call.arg("include_raw", False))
    return {"events": [_event(e, raw) for e in page.events], "next_cursor": page.next_cursor}


async def wait_for_event(call: Call) -> Any:
    """Long-poll the inbox until an event of the type (and sender) arrives, or time is up."""
    import time

    type_, sender = call.arg("type"), call.arg("from")
    after = call.arg("after") or await _tail_cursor(call.client, type_)
    deadline = time.monotonic() + float(call.arg("timeout", 30))
    raw = bool(call.arg("include_raw", False))
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return {"events": [], "next_cursor": after, "timed_out": True}
        page = await call.client.events.wait(
            type=type_, app=call.arg("app"), after=after, timeout=min(left, MAX_WAIT)
        )
        after = page.next_cursor
        found = [e for e in page.events if sender is None or e.data.get("from") == sender]
        if found:
            return {"events": [_event(e, raw) for e in found], "next_cursor": after}


# -- The list ---------------------------------------------------------------------------------

APP = {
    "type": "string",
    "enum": list(TELEPHONY_APPS),
    "description": "Which provider; the "
    "connection's, or the first with an ACTIVE connection, when omitted.",
}
LIMIT = {"type": "integer", "minimum": 1, "maximum": 200, "description": "Most items (default 20)."}
CURSOR = {"type": "string", "description": "next_cursor of a previous result, to read on."}
PAGED = {"limit": LIMIT, "cursor": CURSOR}
CONTACT_PROPS = {
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "company": {"type": "string"},
    "role": {"type": "string"},
}

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "whoami",
        "Who am I",
        "The trunkline account, key id and mode (test or live) of this API key.",
        {},
        whoami,
        read_only=True,
        idempotent=True,
        provider=False,
    ),
    ToolSpec(
        "list_connections",
        "List connections",
        "Connections to providers (app, status, "
        "mode, metadata such as phone numbers). Oldest first; the oldest ACTIVE one per app "
        "is the default.",
        {
            "app": {"type": "string"},
            "status": {"type": "string", "enum": ["PENDING", "ACTIVE", "FAILED"]},
            "limit": LIMIT,
        },
        list_connections,
        read_only=True,
        idempotent=True,
        provider=False,
    ),
    ToolSpec(
        "get_connection",
        "Get a connection",
        "One connection by id.",
        {"connection_id": {"type": "string"}},
        get_connection,
        ("connection_id",),
        read_only=True,
        idempotent=True,
        provider=False,
    ),
    ToolSpec(
        "create_connection",
        "Create a connection",
        "Connect a provider account. With "
        'credentials (e.g. {"api_key": ...}) it is verified at once; without, the answer '
        "has a url a human opens to connect.",
        {
            "app": {"type": "string"},
            "method": {"type": "string"},
            "credentials": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        create_connection,
        ("app",),
    ),
    ToolSpec(
        "delete_connection",
        "Delete a connection",
        "Remove a connection and its stored "
        "credential (and its webhook subscriptions at the provider). Cannot be undone.",
        {"connection_id": {"type": "string"}},
        delete_connection,
        ("connection_id",),
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        "search_apps",
        "Search apps",
        "Providers trunkline can connect to, with the credentials each needs.",
        {"query": {"type": "string"}},
        search_apps,
        read_only=True,
        idempotent=True,
        provider=False,
    ),
    ToolSpec(
        "search_actions",
        "Search actions",
        "Find provider actions (quo.send_message, "
        "callrail.list_calls, ...) by words; run one with run_action.",
        {"query": {"type": "string"}, "app": {"type": "string"}, "limit": LIMIT},
        search_actions,
        read_only=True,
        idempotent=True,
        provider=False,
    ),
    ToolSpec(
        "get_action",
        "Get an action",
        "An action's description, hints and input schema.",
        {"name": {"type": "string"}},
        get_action,
        ("name",),
        read_only=True,
        idempotent=True,
        provider=False,
    ),
    ToolSpec(
        "run_action",
        "Run an action",
        "Run a provider action by name with its input "
        "(see get_action). Lists page: pass limit, and the result's next_cursor as cursor. "
        "Actions that cost money take idempotency_key.",
        {"name": {"type": "string"}, "input": {"type": "object"}},
        run_action,
        ("name",),
        destructive=True,
    ),
    ToolSpec(
        "api",
        "Call a provider API",
        "Call any endpoint of a connected provider through "
        "the gateway, with the stored credential injected: app plus the provider's own path "
        "(e.g. app quo, path /v1/phone-numbers).",
        {
            "app": {"type": "string"},
            "path": {"type": "string"},
            "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            "query": {"type": "object"},
            "body": {},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        api,
        ("app", "path"),
        destructive=True,
    ),
    ToolSpec(
        "send_sms",
        "Send a text message",
        "Text a customer from a business number (Quo, "
        "Twilio or RingCentral). Costs money. The result carries events_cursor: pass it as "
        "after to wait_for_event to wait for the reply. Reuse idempotency_key on retries.",
        {
            "to": {**E164, "description": "The customer's number, E.164."},
            "text": {"type": "string", "minLength": 1, "maxLength": 1600},
            "from": {
                "type": "string",
                "description": "The business number to send from; "
                "Quo defaults to the workspace's first number.",
            },
            "app": APP,
            "idempotency_key": {"type": "string", "maxLength": 255},
        },
        send_sms,
        ("to", "text"),
        idempotent=True,
    ),
    ToolSpec(
        "list_conversations",
        "List conversations",
        "Conversations with customers, most recent activity first (Quo; CallRail text threads).",
        {"app": APP, "exclude_inactive": {"type": "boolean"}, **PAGED},
        list_conversations,
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "list_messages",
        "List messages with a customer",
        "The texts exchanged with one "
        "customer, newest first (Quo: on phone_number, the workspace's first number by "
        "default; Twilio).",
        {
            "participant": {**E164, "description": "The customer's number, E.164."},
            "phone_number": {"type": "string", "description": "Quo number (E.164 or PN id)."},
            "app": APP,
            **PAGED,
        },
        list_messages,
        ("participant",),
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "list_calls",
        "List calls",
        "Recent calls, newest first, optionally with one "
        "customer, in one direction, or only missed/answered ones.",
        {
            "participant": E164,
            "direction": {"type": "string", "enum": ["incoming", "outgoing"]},
            "status": {"type": "string", "enum": ["missed", "answered", "completed"]},
            "app": APP,
            **PAGED,
        },
        list_calls,
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "get_call_details",
        "Get call details",
        "One call with everything known about "
        "it: for Quo the recording, transcript, summary and voicemail together; CallRail and "
        "Twilio calls by their ids (CAL..., CA...).",
        {"call_id": {"type": "string"}, "app": APP},
        get_call_details,
        ("call_id",),
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "search_contacts",
        "Search contacts",
        "Quo contacts whose name, company, email or "
        "phone number contains the query (numbers match by digits).",
        {"query": {"type": "string", "minLength": 1}, **PAGED},
        search_contacts,
        ("query",),
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "create_contact",
        "Create a contact",
        "Add a Quo contact (a name, company or number at least).",
        {
            **CONTACT_PROPS,
            "phone_number": E164,
            "email": {"type": "string"},
            "external_id": {"type": "string"},
        },
        create_contact,
        extra={
            "anyOf": [
                {"required": [k]} for k in ("first_name", "last_name", "company", "phone_number")
            ]
        },
    ),
    ToolSpec(
        "update_contact",
        "Update a contact",
        "Change a Quo contact's name, company or "
        "role, or add a number or email; fields left out keep their values.",
        {
            "contact_id": {"type": "string"},
            **CONTACT_PROPS,
            "add_phone_number": E164,
            "add_email": {"type": "string"},
        },
        update_contact,
        ("contact_id",),
        destructive=True,
    ),
    ToolSpec(
        "wait_for_event",
        "Wait for an event",
        "Wait (long-poll, up to timeout seconds) for "
        "the next event from a provider, e.g. the customer's reply: type message.received, "
        "from their number, after the events_cursor send_sms returned. Without after, only "
        "events from now on count. Returns the events and next_cursor (timed_out when none "
        "came).",
        {
            "type": {
                "type": "string",
                "description": "Event types or patterns, comma-separated: "
                "message.received, call.missed, call.*",
            },
            "from": {**E164, "description": "Only events from this number."},
            "app": {"type": "string"},
            "after": CURSOR,
            "timeout": {
                "type": "number",
                "minimum": 0,
                "maximum": 300,
                "description": "Seconds (default 30).",
            },
            "include_raw": {"type": "boolean"},
        },
        wait_for_event,
        read_only=True,
        provider=False,
    ),
    ToolSpec(
        "list_events",
        "List events",
        "Events received from providers (texts received, "
        "calls missed, transcripts ready, ...), oldest first after the cursor.",
        {
            "type": {"type": "string"},
            "app": {"type": "string"},
            "after": CURSOR,
            "limit": {"type": "integer", "minimum": 1, "maximum": 500},
            "include_raw": {"type": "boolean"},
        },
        list_events,
        read_only=True,
        idempotent=True,
        provider=False,
    ),
)
