"""The organization's A2P 10DLC registration: create the draft, read it, submit it.

At most one per organization (a second create is 409). Submitting checks the draft (422 when
required fields are missing), then pays the sandbox's registration fee from the prepaid
credits (402 when they do not cover it; nothing is charged). A submitted registration is
``pending`` and turns ``approved`` on the clock; approval is what lets v1 ``POST /v1/messages``
text US numbers (the same flag the seed gives Northwind and not Globex).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.quo.dated.errors import bad_value, not_found
from trunkline.sandbox.quo.dated.params import json_body, optional_json_body
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import QuoError
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

FEE_CENTS = 1950
APPROVAL_DELAY = 30.0
TABLE = "a2pRegistrations"
REQUIRED = (("businessInfo", "name"), ("businessInfo", "address"), ("messaging", "useCase"))
FIELDS = (
    "id", "draft", "status", "statusMessages", "autofillStatus", "type", "assignedPnId",
    "firstSubmittedAt", "createdAt", "updatedAt", "businessInfo", "messaging",
)  # fmt: skip


def view(doc: Doc) -> Doc:
    return {name: doc[name] for name in FIELDS}


def _section(body: Doc, name: str) -> Doc:
    value = body.get(name, {})
    if not isinstance(value, dict):
        raise bad_value(f"/body/{name}", "Expected object", value, "object")
    return value


async def get_registration(call: Call) -> Response:
    doc = call.world.table(TABLE).get(call.org["id"])
    if doc is None:
        raise not_found("Not found")
    return data(view(doc))


async def create_registration(call: Call) -> Response:
    body = await optional_json_body(call.request)
    table = call.world.table(TABLE)
    if call.org["id"] in table:
        raise QuoError(409, "The organization already has an A2P registration")
    at = now_stamp()
    doc = {
        "id": call.world.ids.prefixed("RG", 24),
        "orgId": call.org["id"],
        "draft": True,
        "status": "draft",
        "statusMessages": [],
        "autofillStatus": "completed",
        "type": "standard",
        "assignedPnId": None,
        "firstSubmittedAt": None,
        "createdAt": at,
        "updatedAt": at,
        "businessInfo": _section(body, "businessInfo"),
        "messaging": _section(body, "messaging"),
    }
    table[call.org["id"]] = doc
    call.world.save()
    return data(view(doc), 201)


def _missing(doc: Doc) -> list[str]:
    return [f"{section}.{name}" for section, name in REQUIRED if not doc[section].get(name)]


async def submit_registration(call: Call) -> Response:
    world, org = call.world, call.org
    body = await json_body(call.request, ("forbiddenMessageTopicsAcknowledged",))
    acknowledged = body.get("forbiddenMessageTopicsAcknowledged")
    if not isinstance(acknowledged, bool):
        path = "/body/forbiddenMessageTopicsAcknowledged"
        raise bad_value(path, "Expected boolean", acknowledged, "boolean")
    doc = world.table(TABLE).get(org["id"])
    if doc is None:
        raise not_found("Not found")
    if not doc["draft"]:
        raise QuoError(409, "The registration has already been submitted")
    missing = _missing(doc)
    if not acknowledged:
        missing.append("forbiddenMessageTopicsAcknowledged")
    if missing:
        doc["statusMessages"] = [
            {"errorCode": 422, "errorReason": "Required", "fieldName": field, "fields": [field]}
            for field in missing
        ]
        world.save()
        raise QuoError(422, f"The registration is incomplete: {', '.join(missing)}")
    if org["creditsCents"] < FEE_CENTS:
        raise QuoError(402, "Payment failed")
    org["creditsCents"] -= FEE_CENTS
    at = now_stamp()
    doc.update(draft=False, status="pending", statusMessages=[], firstSubmittedAt=at, updatedAt=at)
    world.save()
    world.later(APPROVAL_DELAY, lambda: approve(world, org["id"]))
    return data(view(doc))


def approve(world: QuoWorld, org_id: str) -> None:
    doc = world.table(TABLE).get(org_id)
    org = world.workspace(org_id)
    if doc is None or org is None or doc["status"] != "pending":
        return
    doc.update(status="approved", updatedAt=now_stamp())
    org["a2pApproved"] = True
    world.save()


def resume(world: QuoWorld) -> None:
    for org_id, doc in world.table(TABLE).items():
        if doc["status"] == "pending":
            world.later(APPROVAL_DELAY, lambda org_id=org_id: approve(world, org_id))
