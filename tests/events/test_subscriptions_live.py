"""Live mode: with ``TRUNKLINE_AUTO_SUBSCRIBE=true`` a connection is subscribed when it becomes
ACTIVE, at the provider its live upstream points to (here a Quo sandbox running on its own, as a
stand-in for api.openphone.com); and RingCentral's subscription handshake is answered."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.process import TrunklineProcess
from tests.support.servers import serve_asgi
from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.quo import SANDBOX as QUO


def test_auto_subscribe_registers_a_live_connection(tmp_path: Path) -> None:
    provider = QUO.create_app(SandboxConfig(speed=50, rate_limits=False))
    with serve_asgi(provider) as stand_in:
        proc = TrunklineProcess(
            tmp_path / "data",
            env={"TRUNKLINE_UPSTREAM_QUO": stand_in, "TRUNKLINE_AUTO_SUBSCRIBE": "true"},
            args=["--no-sandbox"],
        ).start()
        try:
            live = proc.headers()
            made = httpx.post(
                proc.url + "/connections",
                headers=live,
                json={"app": "quo", "credentials": QUO.credentials},
                timeout=30,
            )
            assert made.status_code == 201, made.text
            conn = made.json()["connection"]
            assert conn["mode"] == "live"
            listed = httpx.get(
                f"{proc.url}/connections/{conn['connection_id']}/subscriptions", headers=live
            ).json()
            assert len(listed["subscriptions"]) == 1
            hooks = httpx.get(
                stand_in + "/v1/webhooks", headers={"Authorization": QUO.credentials["api_key"]}
            ).json()["data"]
            assert sum(h["url"] == listed["ingress_url"] for h in hooks) == 4
        finally:
            proc.stop()


def test_ringcentral_handshake_is_echoed(trunkline_sandboxed: TrunklineProcess) -> None:
    proc = trunkline_sandboxed
    conn = httpx.get(proc.url + "/connections?app=ringcentral", headers=proc.headers()).json()
    conn_id = conn["connections"][0]["connection_id"]
    ingress = httpx.get(f"{proc.url}/connections/{conn_id}/ingress", headers=proc.headers()).json()[
        "ingress_url"
    ]
    answer = httpx.post(ingress, headers={"Validation-Token": "tok-123"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["validation-token"] == "tok-123"
    forged = httpx.post(ingress, json={"uuid": "x"}, headers={"Verification-Token": "nope"})
    assert forged.status_code == 401
