"""10 requests per second per API key; the 11th is a 429."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.servers import serve_asgi
from trunkline.sandbox.quo import create_app

from .helpers import GLOBEX, NORTHWIND, quo_config


@pytest.fixture(scope="module")
def limited_url() -> Iterator[str]:
    with serve_asgi(create_app(quo_config(rate_limits=True))) as url:
        yield url


def test_eleventh_request_in_a_second_is_429(limited_url: str) -> None:
    with httpx.Client(base_url=limited_url, headers={"Authorization": NORTHWIND["apiKey"]}) as api:
        statuses = [api.get("/v1/users").status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]
        limited = api.get("/v1/users")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["status"] == 429 and limited.json()["code"] == "1100429"
        # Another key has its own budget.
        other = api.get("/v1/users", headers={"Authorization": GLOBEX["apiKey"]})
        assert other.status_code == 200
        # The control surface is not Quo and not limited.
        assert api.get("/_sandbox").status_code == 200
