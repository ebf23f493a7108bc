"""Text conversations (CallRail's ``text-messages`` and ``sms-threads`` are two views of them).

A conversation is one customer number talking to one company; its id is a short alphanumeric
code like ``KZaGR``. Messages are kept in their own table, newest first when listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trunkline.sandbox.callrail import times
from trunkline.sandbox.callrail.people import person_for
from trunkline.sandbox.callrail.world import next_number
from trunkline.sandbox.kit import IdMaker

Doc = dict[str, Any]


def conversation_for(
    data: dict[str, Any],
    *,
    account_id: str,
    company: Doc,
    tracker: Doc,
    customer_phone: str,
    customer_name: str | None,
    when: str,
    ids: IdMaker,
) -> Doc:
    conversations: dict[str, Doc] = data.setdefault("conversations", {})
    for convo in conversations.values():
        if (
            convo["company_id"] == company["id"]
            and convo["customer_phone_number"] == customer_phone
        ):
            return convo
    person = person_for(
        data,
        account_id=account_id,
        company=company,
        phone=customer_phone,
        name=customer_name,
        email=None,
        when=when,
        ids=ids,
    )
    number = tracker["tracking_numbers"][0]
    convo = {
        "id": ids.alnum(5),
        "company_id": company["id"],
        "initial_tracker_id": tracker["id"],
        "current_tracker_id": tracker["id"],
        "customer_name": customer_name,
        "customer_phone_number": customer_phone,
        "initial_tracking_number": number,
        "current_tracking_number": number,
        "last_message_at": when,
        "state": "active",
        "notes": None,
        "tags": [],
        "value": None,
        "lead_qualification": None,
        "_account": account_id,
        "_person_id": person["id"],
    }
    conversations[convo["id"]] = convo
    return convo


def add_message(
    data: dict[str, Any],
    *,
    account_id: str,
    company: Doc,
    tracker: Doc,
    customer_phone: str,
    customer_name: str | None,
    content: str,
    direction: str,
    when: datetime,
    ids: IdMaker,
    sender: Doc | None = None,
    status: str | None = "sent",
) -> tuple[Doc, Doc]:
    stamp = times.store(when)
    convo = conversation_for(
        data,
        account_id=account_id,
        company=company,
        tracker=tracker,
        customer_phone=customer_phone,
        customer_name=customer_name,
        when=stamp,
        ids=ids,
    )
    convo.update(
        current_tracker_id=tracker["id"],
        current_tracking_number=tracker["tracking_numbers"][0],
        last_message_at=max(stamp, str(convo["last_message_at"])),
    )
    message = {
        "id": ids.prefixed("SCI"),
        "content": content,
        "created_at": stamp,
        "status": status if direction == "outgoing" else None,
        "direction": direction,
        "message_type": "sms",
        "media_urls": [],
        "_conversation": convo["id"],
        "_account": account_id,
        "_numeric_id": next_number(data, "legacy"),
        "_user": {"id": sender["id"], "name": sender["name"]} if sender else None,
    }
    data.setdefault("text_messages", {})[message["id"]] = message
    return convo, message


def messages_of(data: dict[str, Any], conversation_id: str) -> list[Doc]:
    found = [
        m
        for m in data.setdefault("text_messages", {}).values()
        if m["_conversation"] == conversation_id
    ]
    return sorted(found, key=lambda m: str(m["created_at"]), reverse=True)
