"""Lookups shared by several resources: numbers, their users, contacts and conversations."""

from __future__ import annotations

from typing import Any

import phonenumbers

from trunkline.sandbox.quo import records
from trunkline.sandbox.quo.errors import QuoError, not_found
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]


def phone_number(world: QuoWorld, org: Doc, ref: str) -> Doc | None:
    """A workspace number by its ``PN`` id or its E.164 number."""
    if ref.startswith("PN"):
        return world.find("phoneNumbers", org, ref)
    for phone in world.of_org("phoneNumbers", org):
        if phone["number"] == ref:
            return phone
    return None


def require_phone_number(world: QuoWorld, org: Doc, ref: str) -> Doc:
    phone = phone_number(world, org, ref)
    if phone is None:
        raise not_found("Phone number")
    return phone


def require_user(world: QuoWorld, org: Doc, user_id: str) -> Doc:
    user = world.find("users", org, user_id)
    if user is None:
        raise not_found("User")
    return user


def acting_user(world: QuoWorld, org: Doc, phone: Doc, user_id: str | None) -> str:
    """``userId`` if given (it must be one of the number's users), else the number's owner."""
    if user_id is None:
        return number_owner(world, org, phone)
    require_user(world, org, user_id)
    if user_id not in phone["userIds"]:
        raise QuoError(403, f"User {user_id} is not a user of phone number {phone['id']}")
    return user_id


def number_owner(world: QuoWorld, org: Doc, phone: Doc) -> str:
    users = [world.find("users", org, uid) for uid in phone["userIds"]]
    for user in users:
        if user is not None and user["role"] == "owner":
            return str(user["id"])
    return str(phone["userIds"][0]) if phone["userIds"] else str(org["ownerId"])


def normalize(number: object) -> str | None:
    """A contact's number as E.164 (contacts hold numbers as people typed them)."""
    if not isinstance(number, str):
        return None
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def contact_ids_for(world: QuoWorld, org: Doc, number: str) -> list[str]:
    found = []
    for contact in world.of_org("contacts", org):
        numbers = contact["defaultFields"].get("phoneNumbers") or []
        if any(normalize(item.get("value")) == number for item in numbers):
            found.append(contact["id"])
    return found


def conversation_for(world: QuoWorld, org: Doc, phone: Doc, customer: str, at: str) -> Doc:
    """The conversation between a workspace number and a customer; created on first contact."""
    for convo in world.of_org("conversations", org):
        if convo["phoneNumberId"] == phone["id"] and convo["participants"] == [customer]:
            return convo
    convo = records.conversation(
        conversation_id=world.new_id("CN"),
        org_id=org["id"],
        phone_id=phone["id"],
        customer=customer,
        created_at=at,
    )
    world.table("conversations")[convo["id"]] = convo
    return convo


def touch_conversation(world: QuoWorld, activity: Doc, *, inbox: str | None = None) -> None:
    convo = world.table("conversations").get(activity.get("conversationId", ""))
    if convo is None:
        return
    convo["lastActivityAt"] = activity["createdAt"]
    convo["lastActivityId"] = activity["id"]
    convo["updatedAt"] = activity["updatedAt"]
    if inbox is not None:
        convo["inboxStatus"] = inbox
    if activity.get("direction") == "incoming":
        # Unread until someone reads it (the dated API's mark-as-read clears it).
        convo["unreadCount"] = convo.get("unreadCount", 0) + 1
