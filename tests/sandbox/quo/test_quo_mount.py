"""Mounted under a prefix (as trunkline does), absolute URLs carry the prefix."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from tests.support.openapi_check import SpecChecker
from tests.support.servers import serve_asgi
from trunkline.sandbox.quo import create_app

from .helpers import MAIN_LINE, NORTHWIND, quo_config


def test_media_urls_use_the_mount_path() -> None:
    inner = create_app(quo_config())
    # No lifespan passed on: the sandbox starts its clock on the first request by itself.
    outer = Starlette(routes=[Mount("/sandbox/quo", inner)])
    checker = SpecChecker("openphone-v1.openapi.json", strip_prefix="/sandbox/quo")
    with serve_asgi(outer) as url:
        base = f"{url}/sandbox/quo"
        with httpx.Client(base_url=base, headers={"Authorization": NORTHWIND["apiKey"]}) as client:
            call = client.post(
                "/_sandbox/calls/inbound",
                json={"from": "+14155550142", "to": MAIN_LINE["number"], "duration": 5},
            ).json()["data"]
            client.post("/_sandbox/clock/advance").raise_for_status()
            response = client.get(f"/v1/call-recordings/{call['id']}")
            checker.check(response)
            [recording] = response.json()["data"]
            assert recording["url"].startswith(f"{base}/_sandbox/media/")
            assert httpx.get(recording["url"]).status_code == 200
            missing = client.get("/v1/calls/AC404")
            checker.check(missing)
            assert missing.json()["code"] == "0100404"
