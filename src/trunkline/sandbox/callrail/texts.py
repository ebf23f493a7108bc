"""Text messaging: conversations (``text-messages.json``), SMS threads (``sms-threads.json``),
sending a text, and the inbound/outbound SMS webhooks.

Outbound texts count against CallRail's SMS limit (150/hour, 1,000/day per account). A text to
an unreachable number (see ``phones.unreachable``) is stored with status ``failed``.
"""

from __future__ import annotations

from starlette.responses import Response

from trunkline.sandbox.callrail import events, phones, tagging, textmodel, times
from trunkline.sandbox.callrail.calls import parse_money
from trunkline.sandbox.callrail.errors import bad_request, unprocessable
from trunkline.sandbox.callrail.params import body_bool, body_choice, body_strings, body_text
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.views import searched, shown_page
from trunkline.sandbox.callrail.world import Doc, World

CONVERSATION_EXTRAS = ("lead_status", "source")
THREAD_EXTRAS = ("last_message_at", "formatted_customer_phone_number",
                 "formatted_initial_tracking_number", "formatted_current_tracking_number",
                 "formatted_customer_name")  # fmt: skip
CONVERSATION_DEFAULTS = ("company_id", "company_time_zone", "current_tracker_id",
                         "current_tracking_number", "customer_name", "customer_phone_number",
                         "formatted_current_tracking_number", "formatted_customer_name",
                         "formatted_customer_phone_number", "formatted_initial_tracking_number",
                         "id", "initial_tracker_id", "initial_tracking_number", "last_message_at",
                         "recent_messages", "state")  # fmt: skip
THREAD_DEFAULTS = ("company_id", "company_time_zone", "current_tracker_id",
                   "current_tracking_number", "customer_name", "customer_phone_number", "id",
                   "initial_tracker_id",
                   "initial_tracking_number", "lead_qualification", "notes", "state", "tags",
                   "value")  # fmt: skip
OPT_OUT_WORDS = ("STOP", "CANCEL", "UNSUBSCRIBE", "QUIT", "END")
MAX_CONTENT = 140


def _common(world: World, convo: Doc) -> Doc:
    company = world.table("companies").get(str(convo["company_id"]), {})
    return {
        "id": convo["id"],
        "company_id": convo["company_id"],
        "initial_tracker_id": convo["initial_tracker_id"],
        "current_tracker_id": convo["current_tracker_id"],
        "customer_name": convo["customer_name"],
        "customer_phone_number": convo["customer_phone_number"],
        "initial_tracking_number": convo["initial_tracking_number"],
        "current_tracking_number": convo["current_tracking_number"],
        "last_message_at": times.utc(convo["last_message_at"]),
        "state": convo["state"],
        "company_time_zone": company.get("time_zone"),
        "formatted_customer_phone_number": phones.formatted(convo["customer_phone_number"]),
        "formatted_initial_tracking_number": phones.formatted(convo["initial_tracking_number"]),
        "formatted_current_tracking_number": phones.formatted(convo["current_tracking_number"]),
        "formatted_customer_name": str(convo["customer_name"]).title()
        if convo["customer_name"]
        else None,
    }


def _short_message(message: Doc) -> Doc:
    return {
        "direction": message["direction"],
        "content": message["content"],
        "created_at": times.utc(message["created_at"]),
        "type": message["message_type"],
        "media_urls": message["media_urls"],
    }


def _conversation_message(message: Doc) -> Doc:
    return {
        "id": message["_numeric_id"],
        "content": message["content"],
        "created_at": times.utc(message["created_at"]),
        "status": message["status"],
        "direction": message["direction"],
        "type": message["message_type"],
        "media_urls": message["media_urls"],
        "user": message["_user"],
    }


def _thread_message(message: Doc) -> Doc:
    return {
        "id": message["id"],
        "content": message["content"],
        "created_at": times.utc(message["created_at"]),
        "status": message["status"],
        "direction": message["direction"],
        "message_type": message["message_type"],
        "media_urls": message["media_urls"],
    }


def conversation_view(ctx: Ctx, convo: Doc, requested: list[str]) -> Doc:
    shown = _common(ctx.world, convo)
    if "lead_status" in requested:
        shown["lead_status"] = convo["lead_qualification"]
    if "source" in requested:
        tracker = ctx.world.table("trackers").get(str(convo["initial_tracker_id"]), {})
        shown["source"] = tracker.get("name")
    messages = textmodel.messages_of(ctx.world.data, str(convo["id"]))
    shown["recent_messages"] = [_short_message(m) for m in messages[:2]]
    return shown


def _conversations(ctx: Ctx, default_range: str | None) -> list[Doc]:
    bounds = ctx.date_window(default_range)
    company_id = ctx.query.text("company_id")
    found = [
        c
        for c in ctx.world.scoped("conversations", ctx.account_id)
        if (not company_id or c["company_id"] == company_id)
        and times.within(str(c["last_message_at"]), bounds)
    ]
    term = ctx.query.text("search")
    if term:
        by_text = searched(found, term, ("customer_name", "customer_phone_number"))
        by_tag = [c for c in found if any(term.lower() in t.lower() for t in c["tags"])]
        found = [c for c in found if c in by_text or c in by_tag]
    return sorted(found, key=lambda c: str(c["last_message_at"]), reverse=True)


async def list_conversations(ctx: Ctx) -> Response:
    requested = ctx.query.fields(CONVERSATION_EXTRAS, CONVERSATION_DEFAULTS)
    conversations = _conversations(ctx, "recent")
    page = shown_page(
        ctx, conversations, "conversations", lambda c: conversation_view(ctx, c, requested)
    )
    return reply(page)


def _find_conversation(ctx: Ctx, key: str) -> Doc:
    return ctx.world.find("conversations", ctx.account_id, ctx.request.path_params[key])


async def get_conversation(ctx: Ctx) -> Response:
    convo = _find_conversation(ctx, "conversation_id")
    shown = _common(ctx.world, convo)
    for extra in ctx.query.fields(CONVERSATION_EXTRAS, CONVERSATION_DEFAULTS):
        shown[extra] = convo["lead_qualification"] if extra == "lead_status" else None
    messages = textmodel.messages_of(ctx.world.data, str(convo["id"]))
    page = shown_page(ctx, messages, "messages", _conversation_message)
    return reply({**shown, **page})


def text_payload(world: World, convo: Doc, message: Doc, tracker_number: str) -> Doc:
    """Text Message Received/Sent webhook body."""
    company = world.table("companies")[str(convo["company_id"])]
    customer = str(convo["customer_phone_number"])
    incoming = message["direction"] == "incoming"
    payload = {
        "id": message["_numeric_id"],
        "resource_id": message["id"],
        "source_number": phones.formatted(customer if incoming else tracker_number),
        "destination_number": phones.formatted(tracker_number if incoming else customer),
        "content": message["content"],
        "message_type": message["message_type"],
        "media_urls": message["media_urls"],
        "timestamp": times.local(
            message["created_at"], times.zone_named(company["time_zone"], "UTC")
        ),
        "lead_status": convo["lead_qualification"],
        "conversation_id": convo["id"],
        "company_resource_id": company["id"],
        "person_resource_id": convo["_person_id"],
    }
    if not incoming:
        payload = {"agent": (message["_user"] or {}).get("name"), **payload}
    return payload


def _sending_tracker(ctx: Ctx, company: Doc, raw_number: str | None, customer: str) -> Doc:
    if raw_number is None:
        for convo in ctx.world.scoped("conversations", ctx.account_id):
            if convo["company_id"] == company["id"] and convo["customer_phone_number"] == customer:
                return ctx.world.table("trackers")[convo["current_tracker_id"]]
        raise bad_request("Missing required parameter: tracking_number")
    number = phones.normalize(raw_number, "tracking_number")
    for tracker in ctx.world.scoped("trackers", ctx.account_id):
        if tracker["company_id"] == company["id"] and number in tracker["tracking_numbers"]:
            if not (tracker["sms_enabled"] and tracker["status"] == "active"):
                raise bad_request("This tracking number is not enabled for text messaging")
            return tracker
    raise bad_request("tracking_number must be a tracking number of this company")


async def send_text(ctx: Ctx) -> Response:
    body = await ctx.body()
    company = ctx.world.find(
        "companies", ctx.account_id, body_text(body, "company_id", required=True) or ""
    )
    customer = phones.normalize(
        body_text(body, "customer_phone_number", required=True) or "", "customer_phone_number"
    )
    content = body_text(body, "content", required=True) or ""
    if len(content) > MAX_CONTENT:
        raise bad_request(f"content must be {MAX_CONTENT} characters or fewer")
    if body.get("media_url") and body.get("media_file"):
        raise unprocessable("Provide either media_url or media_file, not both")
    tracker = _sending_tracker(ctx, company, body_text(body, "tracking_number"), customer)
    ctx.world.limits.check("sms", ctx.account_id)
    first_text = not any(
        c["customer_phone_number"] == customer and c["company_id"] == company["id"]
        for c in ctx.world.scoped("conversations", ctx.account_id)
    )
    if first_text and not any(word in content.upper() for word in OPT_OUT_WORDS):
        content += " Reply STOP to opt out."
    convo, message = textmodel.add_message(
        ctx.world.data,
        account_id=ctx.account_id,
        company=company,
        tracker=tracker,
        customer_phone=customer,
        customer_name=None,
        content=content,
        direction="outgoing",
        when=ctx.world.now(),
        ids=ctx.world.ids,
        sender=ctx.user,
        status="failed" if phones.unreachable(customer) else "sent",
    )
    ctx.world.save()
    number = str(tracker["tracking_numbers"][0])
    events.emit(
        ctx.world,
        str(company["id"]),
        "sms_sent_webhook",
        text_payload(ctx.world, convo, message, number),
    )
    return reply(conversation_view(ctx, convo, []), 201)


def thread_view(ctx: Ctx, convo: Doc, requested: list[str]) -> Doc:
    common = _common(ctx.world, convo)
    shown: Doc = {
        "id": convo["id"],
        "notes": convo["notes"],
        "tags": convo["tags"],
        "value": convo["value"],
        "lead_qualification": convo["lead_qualification"],
    }
    for key in ("company_id", "initial_tracker_id", "current_tracker_id", "customer_name",
                "customer_phone_number", "initial_tracking_number", "current_tracking_number",
                "state", "company_time_zone"):  # fmt: skip
        shown[key] = common[key]
    for extra in requested:
        shown[extra] = common[extra]
    return shown


async def list_threads(ctx: Ctx) -> Response:
    requested = ctx.query.fields(THREAD_EXTRAS, THREAD_DEFAULTS)
    threads = _conversations(ctx, None)
    return reply(shown_page(ctx, threads, "sms_threads", lambda c: thread_view(ctx, c, requested)))


async def get_thread(ctx: Ctx) -> Response:
    convo = _find_conversation(ctx, "thread_id")
    shown = thread_view(ctx, convo, list(THREAD_EXTRAS))
    messages = textmodel.messages_of(ctx.world.data, str(convo["id"]))
    page = shown_page(ctx, messages, "messages", _thread_message, maximum=100)
    return reply({**shown, **page})


async def update_thread(ctx: Ctx) -> Response:
    convo = _find_conversation(ctx, "thread_id")
    body = await ctx.body()
    if "notes" in body:
        convo["notes"] = body_text(body, "notes") or None
    if "value" in body:
        money = parse_money(body.get("value"))
        convo["value"] = float(money) if money is not None else None
    if "lead_qualification" in body:
        convo["lead_qualification"] = body_choice(
            body, "lead_qualification", ("good_lead", "not_a_lead")
        )
    tags = body_strings(body, "tags")
    if tags is not None:
        convo["tags"] = tagging.apply(ctx, convo, tags, append=bool(body_bool(body, "append_tags")))
    ctx.world.save()
    return reply(thread_view(ctx, convo, []))
