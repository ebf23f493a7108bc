"""Messages: send (create), list with To/From/DateSent filters, fetch, redact, delete.

A created message answers ``queued``; :mod:`messaging` then moves it along and calls its
StatusCallback at every step.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters, media, messaging, phones
from trunkline.sandbox.twilio.api import ApiCall, json_response
from trunkline.sandbox.twilio.messaging import FINAL, message_record
from trunkline.sandbox.twilio.resources import account_routes, deleted, listing, owned, updated
from trunkline.sandbox.twilio.serialize import public
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
COLLECTION = "Messages"
MAX_BODY = 1600


def routes(world: World) -> list[Route]:
    return account_routes(
        world,
        COLLECTION,
        list_messages,
        create_message,
        fetch_message,
        update_message,
        delete_message,
    )


async def list_messages(call: ApiCall) -> Response:
    predicates = filters.phone_equals(call.params, "To", "to")
    predicates += filters.phone_equals(call.params, "From", "from")
    predicates += filters.date_range(call.params, "DateSent", "_date_sent")
    return listing(call, "messages", predicates, newest_first=True)


async def create_message(call: ApiCall) -> Response:
    to, sender, body, media_urls = _validated_message(call)
    callback, method = _status_callback(call)
    sid = call.world.new_sid("MM" if media_urls else "SM")
    record = message_record(
        call.account_sid,
        sid,
        to=to,
        sender=sender,
        body=body,
        direction="outbound-api",
        status="queued",
        created=call.world.now(),
        num_media=len(media_urls),
    )
    record["_callback"], record["_callback_method"] = callback, method
    call.world.table("messages")[sid] = record
    media.attach(call.world, record, media_urls)
    call.world.save()
    messaging.start_outbound(call.world, sid)
    return json_response(public(record), 201)


def _validated_message(call: ApiCall) -> tuple[str, str, str, list[str]]:
    params = call.params
    raw_to = params.get("To")
    if not raw_to:
        raise errors.TwilioError(400, 21604, "A 'To' phone number is required.")
    if params.get("MessagingServiceSid"):
        sid = params.get("MessagingServiceSid")
        raise errors.TwilioError(400, 21701, f"The Messaging Service Sid {sid} is invalid.")
    raw_from = params.get("From")
    if not raw_from:
        raise errors.TwilioError(400, 21603, "A 'From' phone number is required.")
    body = params.get("Body") or ""
    media = params.all("MediaUrl")
    if not body and not media:
        raise errors.TwilioError(400, 21602, "Message body is required.")
    to = phones.normalize(raw_to)
    if to is None:
        raise errors.TwilioError(400, 21211, f"Invalid 'To' Phone Number: {raw_to}")
    if len(body) > MAX_BODY:
        raise errors.TwilioError(
            400, 21617, "The concatenated message body exceeds the 1600 character limit."
        )
    _check_media(media)
    return to, _sender(call, raw_from, to), body, media


def _sender(call: ApiCall, raw_from: str, to: str) -> str:
    sender = phones.normalize(raw_from)
    number = call.world.numbers_by_phone(sender) if sender else None
    if sender is None or number is None or number["account_sid"] != call.account_sid:
        raise errors.TwilioError(
            400,
            21606,
            f"The From phone number {raw_from} is not a valid, SMS-capable inbound phone "
            "number or short code for your account.",
        )
    if sender == to:
        raise errors.TwilioError(400, 21266, "'To' and 'From' number cannot be the same")
    return sender


def _check_media(media: list[str]) -> None:
    if len(media) > 10:
        raise errors.TwilioError(400, 21623, "Number of media files exceeds allowed limit")
    for url in media:
        if not url.startswith(("http://", "https://")):
            raise errors.TwilioError(400, 21620, f"Invalid media URL(s): {url}")


def _status_callback(call: ApiCall) -> tuple[str | None, str]:
    url = call.params.url("StatusCallback")
    app_sid = call.params.get("ApplicationSid")
    if app_sid:
        app = call.world.table("applications").get(app_sid)
        if app is None or app["account_sid"] != call.account_sid:
            raise errors.invalid("ApplicationSid", "does not name one of this account's apps")
        url = url or app.get("message_status_callback")
    return url or None, "POST"


async def fetch_message(call: ApiCall) -> Response:
    return json_response(public(owned(call, "messages")))


async def update_message(call: ApiCall) -> Response:
    record = owned(call, "messages")
    status = call.params.get("Status")
    if status is not None:
        if status != "canceled":
            raise errors.invalid("Status", "can only be canceled")
        raise errors.TwilioError(400, 30409, "This message cannot be canceled")
    body = call.params.get("Body")
    if body is not None:
        if body != "":
            raise errors.invalid("Body", "can only be set to an empty string (redaction)")
        if record["status"] not in FINAL:
            raise errors.TwilioError(400, 20009, "Cannot redact this message before it is complete")
        record["body"] = ""
    return updated(call, record)


async def delete_message(call: ApiCall) -> Response:
    record = owned(call, "messages")
    if record["status"] not in FINAL:
        raise errors.not_complete("message")
    media.detach_all(call.world, record["sid"])
    return deleted(call, "messages", record)
