"""Balance: what is left of the account's prepaid credit after what the sandbox billed.

Every account starts with ``STARTING_CREDIT`` USD; each priced message and call of the account
(subaccounts bill their own) brings it down, so the balance moves as traffic flows.
"""

from __future__ import annotations

from decimal import Decimal

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.serialize import ROOT
from trunkline.sandbox.twilio.world import World

STARTING_CREDIT = Decimal("20.00")


def routes(world: World) -> list[Route]:
    path = f"{ROOT}/Accounts/{{account_sid}}/Balance.json"
    return [Route(path, endpoint(world, fetch_balance), methods=["GET"])]


async def fetch_balance(call: ApiCall) -> Response:
    spent = sum(
        (
            Decimal(str(r["price"]))
            for table in ("messages", "calls", "recordings")
            for r in call.world.records(table, call.account_sid)
            if r.get("price")
        ),
        Decimal(0),
    )
    balance = (STARTING_CREDIT + spent).quantize(Decimal("0.00001"))
    return json_response(
        {"account_sid": call.account_sid, "balance": str(balance), "currency": "USD"}
    )
