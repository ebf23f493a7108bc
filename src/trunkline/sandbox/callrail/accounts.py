"""Accounts: the ones the API key's user can see (``a.json``) and a single account."""

from __future__ import annotations

from starlette.responses import Response

from trunkline.sandbox.callrail.routing import Ctx, authenticate, reply
from trunkline.sandbox.callrail.views import present, shown_page, sort_records
from trunkline.sandbox.callrail.world import Doc

EXTRAS = ("numeric_id",)
DEFAULTS = ("hipaa_account", "id", "name", "outbound_recording_enabled")


def _show(ctx: Ctx, account: Doc) -> Doc:
    return present(account, extras=EXTRAS, requested=ctx.query.fields(EXTRAS, DEFAULTS))


async def list_accounts(ctx: Ctx) -> Response:
    _, visible = authenticate(ctx.world, ctx.request)
    accounts = [ctx.world.table("accounts")[account_id] for account_id in visible]
    hipaa = ctx.query.flag("hipaa_account")
    if hipaa is not None:
        accounts = [a for a in accounts if a["hipaa_account"] == hipaa]
    accounts = sort_records(ctx, accounts, ("name",), "name")
    return reply(shown_page(ctx, accounts, "accounts", lambda a: _show(ctx, a)))


async def get_account(ctx: Ctx) -> Response:
    assert ctx.account is not None
    return reply(_show(ctx, ctx.account))
