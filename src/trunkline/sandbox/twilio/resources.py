"""Route builders for the account-owned collections (Calls, Messages, Queues, ...).

Each collection answers at ``/Accounts/{account_sid}/<Collection>.json`` (list, create) and
``/Accounts/{account_sid}/<Collection>/{sid}.json`` (fetch, update, delete).
:func:`simple_routes` builds all five handlers for a collection with no lifecycle of its own
(Applications, Queues, Addresses); its module keeps its fields and validation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import filters
from trunkline.sandbox.twilio.api import ApiCall, Handler, endpoint, json_response, no_content
from trunkline.sandbox.twilio.filters import Predicate
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT, public, stamp
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]


def account_routes(
    world: World,
    collection: str,
    list_: Handler,
    create: Handler,
    fetch: Handler,
    update: Handler,
    delete: Handler,
) -> list[Route]:
    """The list, create, fetch, update and delete routes of ``collection``."""
    base = f"{ROOT}/Accounts/{{account_sid}}/{collection}"
    return [
        Route(f"{base}.json", endpoint(world, list_), methods=["GET"]),
        Route(f"{base}.json", endpoint(world, create), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, fetch), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, update), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, delete), methods=["DELETE"]),
    ]


def owned(call: ApiCall, table: str) -> Record:
    """The record named by the path's ``{sid}`` in the path's account, or Twilio's 404."""
    return call.world.owned(table, call.account_sid, call.arg("sid"), call.path)


def listing(
    call: ApiCall,
    table: str,
    predicates: list[Predicate],
    *,
    key: str | None = None,
    newest_first: bool = False,
) -> Response:
    """One page of the account's records in ``table`` that pass ``predicates``, by creation."""
    found = sorted(
        call.world.records(table, call.account_sid),
        key=lambda r: (r["_date_created"], r["sid"]),
        reverse=newest_first,
    )
    found = filters.apply(found, predicates)
    return json_response(page_of(call.params, found, key or table, call.path))


def updated(call: ApiCall, record: Record) -> Response:
    """Stamp ``date_updated``, save, and answer with the record."""
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return json_response(public(record))


def deleted(call: ApiCall, table: str, record: Record) -> Response:
    """Drop ``record`` from ``table``, save, and answer 204."""
    del call.world.table(table)[record["sid"]]
    call.world.save()
    return no_content()


def no_filters(_params: Params) -> list[Predicate]:
    return []


def simple_routes(
    world: World,
    collection: str,
    table: str,
    *,
    create: Callable[[ApiCall], Record],
    update: Callable[[ApiCall, Record], None],
    list_filters: Callable[[Params], list[Predicate]] = no_filters,
    number_fields: tuple[str, ...] = (),
) -> list[Route]:
    """The five routes of a collection without a lifecycle.

    ``create`` validates the request and returns the new record; ``update`` applies the
    request's changes to a record; ``list_filters`` reads the list filters; deleting a record
    clears the ``number_fields`` of any IncomingPhoneNumber that pointed at it.
    """

    async def list_records(call: ApiCall) -> Response:
        return listing(call, table, list_filters(call.params))

    async def create_record(call: ApiCall) -> Response:
        record = create(call)
        call.world.table(table)[record["sid"]] = record
        call.world.save()
        return json_response(public(record), 201)

    async def fetch_record(call: ApiCall) -> Response:
        return json_response(public(owned(call, table)))

    async def update_record(call: ApiCall) -> Response:
        record = owned(call, table)
        update(call, record)
        return updated(call, record)

    async def delete_record(call: ApiCall) -> Response:
        record = owned(call, table)
        for number in call.world.table("numbers").values():
            for field in number_fields:
                if number.get(field) == record["sid"]:
                    number[field] = None
        return deleted(call, table, record)

    return account_routes(
        world, collection, list_records, create_record, fetch_record, update_record, delete_record
    )
