"""State survives a restart on the same data dir; unfinished work resumes."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.servers import serve_asgi
from trunkline.sandbox.quo import create_app

from .helpers import MAIN_LINE, NORTHWIND, quo_config, wait_for

KEY = {"Authorization": NORTHWIND["apiKey"]}


def test_restart_keeps_state(tmp_path: Path) -> None:
    config = quo_config(data_dir=tmp_path, speed=0.001)  # nothing moves on its own
    with serve_asgi(create_app(config)) as url, httpx.Client(base_url=url, headers=KEY) as api:
        contact = api.post("/v1/contacts", json={"defaultFields": {"firstName": "Kept"}})
        body = {"from": MAIN_LINE["id"], "to": ["+14155550142"], "content": "Persist me"}
        message = api.post("/v1/messages", json=body).json()["data"]
        credits = api.get("/_sandbox").json()["credits"]
    assert (tmp_path / "sandbox" / "quo.json").exists()

    app = create_app(quo_config(data_dir=tmp_path))
    with serve_asgi(app) as url, httpx.Client(base_url=url, headers=KEY) as api:
        contact_id = contact.json()["data"]["id"]
        assert (
            api.get(f"/v1/contacts/{contact_id}").json()["data"]["defaultFields"]["firstName"]
            == "Kept"
        )
        assert api.get("/_sandbox").json()["credits"] == credits
        # The queued message picks up its delivery after the restart.
        wait_for(
            lambda: api.get(f"/v1/messages/{message['id']}").json()["data"]["status"] == "delivered"
        )


def test_reset_restores_the_seed(tmp_path: Path) -> None:
    app = create_app(quo_config(data_dir=tmp_path))
    with serve_asgi(app) as url, httpx.Client(base_url=url, headers=KEY) as api:
        seeded = api.get("/v1/contacts", params={"maxResults": 50}).json()["data"]
        api.post("/v1/contacts", json={"defaultFields": {"firstName": "Temp"}})
        api.post("/_sandbox/reset").raise_for_status()
        again = api.get("/v1/contacts", params={"maxResults": 50}).json()["data"]
        assert again == seeded
