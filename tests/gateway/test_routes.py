"""Routes by path (quo.yaml): v1 to api.openphone.com, the dated API to api.quo.com."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import echo as echo_mod
from trunkline.app import Trunkline
from trunkline.bootstrap import prepare
from trunkline.catalogue import Catalogue, RouteTable
from trunkline.enums import Mode
from trunkline.lifespan import run_lifespan
from trunkline.settings import Settings
from trunkline.transport import AsgiUpstream, RoutedUpstream

V1 = "https://api.openphone.com"
DATED = "https://api.quo.com"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/messages", V1),
        ("/v1", V1),
        ("/v1/phone-numbers", V1),
        ("/messages", DATED),
        ("/calls/AC1/recordings", DATED),
        ("/v10/x", DATED),
        ("/v1messages", DATED),
        ("/", DATED),
    ],
)
def test_quo_route_table(path: str, expected: str) -> None:
    assert Catalogue.load().route_table("quo", Mode.LIVE).base(path) == expected


def test_checks_go_where_the_verification_path_routes() -> None:
    catalogue = Catalogue.load()
    assert catalogue.upstream("quo", Mode.LIVE) == V1  # GET /v1/phone-numbers
    assert catalogue.upstream("twilio", Mode.LIVE) == "https://api.twilio.com"


def test_an_override_and_a_sandbox_take_every_path() -> None:
    catalogue = Catalogue.load()
    catalogue.point("quo", "http://127.0.0.1:9/")
    catalogue.mount_sandbox("quo", "http://127.0.0.1:8/sandbox/quo")
    for mode, base in (
        (Mode.LIVE, "http://127.0.0.1:9"),
        (Mode.TEST, "http://127.0.0.1:8/sandbox/quo"),
    ):
        table = catalogue.route_table("quo", mode)
        assert table == RouteTable(base)
        assert {table.base("/v1/messages"), table.base("/messages")} == {base}


def test_prefix_semantics() -> None:
    table = RouteTable("d", (("/a", "A"), ("/b/", "B")))
    assert [table.base(p) for p in ("/a", "/a/x", "/ab", "/b/", "/b/x", "/b")] == [
        "A",
        "A",
        "d",
        "B",
        "B",
        "d",
    ]
    assert set(table.bases) == {"d", "A", "B"}


class _Refuse:
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError(f"unexpected upstream call: {scope.get('path')}")


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    """An in-process trunkline in live mode whose two Quo upstreams are local stand-ins."""
    stand_ins = {"v1": echo_mod.EchoUpstream(), "dated": echo_mod.EchoUpstream()}
    upstream = RoutedUpstream(
        AsgiUpstream(_Refuse()),
        {
            f"{V1}/": AsgiUpstream(stand_ins["v1"]),
            f"{DATED}/": AsgiUpstream(stand_ins["dated"]),
        },
    )
    settings = Settings(data_dir=tmp_path / "data", sandbox=False, cache_ttl=0, upstreams={})
    first = await prepare(settings)
    app = Trunkline(settings, upstream=upstream)
    async with (
        run_lifespan(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.base_url
        ) as client,
    ):
        client.headers["Authorization"] = f"Bearer {first.api_key}"
        created = await client.post(
            "/connections", json={"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}}
        )
        assert created.status_code == 201, created.text  # checked on the v1 stand-in
        yield client, stand_ins


async def test_live_quo_paths_reach_their_upstream(
    live: tuple[httpx.AsyncClient, dict[str, Any]],
) -> None:
    client, stand_ins = live
    v1 = await client.get("/quo/v1/messages?phoneNumberId=PN1")
    assert v1.status_code == 200 and v1.json()["raw_path"] == "/v1/messages"
    dated = await client.get("/quo/messages?limit=5", headers={"Quo-Api-Version": "2026-03-30"})
    assert dated.status_code == 200
    seen = dated.json()
    assert seen["raw_path"] == "/messages" and seen["query"] == "limit=5"
    assert seen["headers"]["quo-api-version"] == "2026-03-30"  # passed through untouched
    assert seen["headers"]["authorization"] == echo_mod.QUO_KEY  # one connection, one key
    assert seen["headers"]["host"] == "api.quo.com"
    assert [r["path"] for r in stand_ins["v1"].seen] == ["/v1/phone-numbers", "/v1/messages"]
    assert [r["path"] for r in stand_ins["dated"].seen] == ["/messages"]
