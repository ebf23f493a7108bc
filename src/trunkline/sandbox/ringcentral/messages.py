"""Outbound SMS: checked like RingCentral checks it, then Queued → Sent → Delivered.

Destinations whose last four digits are 0000-0099 are unreachable: the message ends
``DeliveryFailed`` instead of ``Delivered``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from trunkline.sandbox.ringcentral import errors
from trunkline.sandbox.ringcentral.world import RingCentralWorld

Doc = dict[str, Any]
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_TEXT = 1000
SENT_AFTER = 1.0
DELIVERED_AFTER = 2.0


def unreachable(number: str) -> bool:
    return number[-4:].isdigit() and int(number[-4:]) < 100


def _party(value: Any, name: str) -> str:
    number = value.get("phoneNumber") if isinstance(value, dict) else None
    if not isinstance(number, str) or not E164.match(number):
        raise errors.invalid_parameter(name, number)
    return number


def send(world: RingCentralWorld, ext: Doc, body: Doc, now: float) -> Doc:
    if "from" not in body:
        raise errors.missing_parameter("from")
    sender = _party(body["from"], "from.phoneNumber")
    if sender != ext["phoneNumber"]:
        raise errors.ApiError(
            400,
            "MSG-304",
            "Phone number doesn't belong to extension",
            parameterName="from.phoneNumber",
        )
    recipients = body.get("to")
    if not isinstance(recipients, list) or not recipients:
        raise errors.missing_parameter("to")
    numbers = [_party(r, "to.phoneNumber") for r in recipients]
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise errors.missing_parameter("text")
    if len(text) > MAX_TEXT:
        raise errors.invalid_parameter("text")
    message_id = str(world.ids.randint(10**12, 10**13 - 1))
    message = {
        "id": message_id,
        "extensionId": ext["id"],
        "from": {"phoneNumber": sender, "name": f"{ext['firstName']} {ext['lastName']}"},
        "to": [{"phoneNumber": n} for n in numbers],
        "text": text,
        "status": "Queued",
        "conversationId": str(world.ids.randint(10**17, 10**18 - 1)),
        "createdAt": now,
        "updatedAt": now,
    }
    world.table("messages")[message_id] = message
    world.save()
    schedule(world, message_id)
    return message


def schedule(world: RingCentralWorld, message_id: str) -> None:
    """Move a message on through its remaining states on the sandbox clock."""

    def advance(status: str) -> None:
        message = world.table("messages").get(message_id)
        if message is None:
            return
        message["status"] = status
        message["updatedAt"] = time.time()
        world.save()
        if status == "Sent":
            failed = any(unreachable(t["phoneNumber"]) for t in message["to"])
            final = "DeliveryFailed" if failed else "Delivered"
            world.runtime.clock.later(DELIVERED_AFTER - SENT_AFTER, lambda: advance(final))

    message = world.table("messages").get(message_id)
    if message is None:
        return
    if message["status"] == "Queued":
        world.runtime.clock.later(SENT_AFTER, lambda: advance("Sent"))
    elif message["status"] == "Sent":
        advance("Sent")
