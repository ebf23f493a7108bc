"""The call log: filters, newest-first order and RingCentral's ``paging``/``navigation``."""

from __future__ import annotations

import math
import time
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from trunkline.sandbox.ringcentral import errors
from trunkline.sandbox.ringcentral.resources import call_json
from trunkline.sandbox.ringcentral.world import RingCentralWorld, parse_iso

Doc = dict[str, Any]
DEFAULT_WINDOW = 24 * 3600  # without dateFrom, RingCentral shows the last day
MAX_PER_PAGE = 1000


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> set[str]:
    values = request.query_params.getlist(name)
    for value in values:
        if value not in allowed:
            raise errors.invalid_parameter(name, value)
    return set(values)


def _number(request: Request, name: str, default: int, top: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        raise errors.invalid_parameter(name, raw)
    return int(raw)


def _moment(request: Request, name: str, default: float) -> float:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = parse_iso(raw)
    if value is None:
        raise errors.invalid_parameter(name, raw)
    return value


def _view(request: Request) -> bool:
    view = request.query_params.get("view", "Simple")
    if view not in ("Simple", "Detailed"):
        raise errors.invalid_parameter("view", view)
    return view == "Detailed"


def listing(world: RingCentralWorld, ext: Doc, request: Request, base: str) -> Doc:
    detailed = _view(request)
    directions = _choice(request, "direction", ("Inbound", "Outbound"))
    kinds = _choice(request, "type", ("Voice", "Fax"))
    now = time.time()
    date_from = _moment(request, "dateFrom", now - DEFAULT_WINDOW)
    date_to = _moment(request, "dateTo", now)
    per_page = _number(request, "perPage", 100, MAX_PER_PAGE)
    page = _number(request, "page", 1, 10**6)
    found = [
        c
        for c in world.table("calls").values()
        if c["extensionId"] == ext["id"]
        and date_from <= c["startTime"] <= date_to
        and (not directions or c["direction"] in directions)
        and (not kinds or "Voice" in kinds)
    ]
    found.sort(key=lambda c: c["startTime"], reverse=True)
    start = (page - 1) * per_page
    records = found[start : start + per_page]
    pages = max(1, math.ceil(len(found) / per_page))
    path = f"{base}/restapi/v1.0/account/~/extension/{ext['id']}/call-log"
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "perPage")]

    def link(number: int) -> Doc:
        return {"uri": f"{path}?{urlencode([*query, ('page', number), ('perPage', per_page)])}"}

    paging: Doc = {
        "page": page,
        "totalPages": pages,
        "perPage": per_page,
        "totalElements": len(found),
    }
    if records:
        paging.update(pageStart=start, pageEnd=start + len(records) - 1)
    navigation = {"firstPage": link(1), "lastPage": link(pages)}
    if page < pages:
        navigation["nextPage"] = link(page + 1)
    if 1 < page <= pages:
        navigation["previousPage"] = link(page - 1)
    return {
        "uri": link(page)["uri"],
        "records": [call_json(c, base, detailed) for c in records],
        "paging": paging,
        "navigation": navigation,
    }


def one(world: RingCentralWorld, ext: Doc, request: Request, base: str) -> Doc:
    record_id = request.path_params["callRecordId"]
    call = world.table("calls").get(record_id)
    if call is None or call["extensionId"] != ext["id"]:
        raise errors.not_found("callRecordId", record_id)
    return call_json(call, base, _view(request))
