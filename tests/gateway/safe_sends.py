"""Shared setup of the safe-send tests: a trunkline process in front of the scripted provider."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.process import TrunklineProcess

PROVIDERS = Path(__file__).resolve().parent / "providers"


def start(data: Path, upstream_url: str, **env: str) -> TrunklineProcess:
    return TrunklineProcess(
        data,
        env={
            "TRUNKLINE_PROVIDERS_DIR": str(PROVIDERS),
            "TRUNKLINE_UPSTREAM_STEADY": upstream_url,
            **env,
        },
        args=["--no-sandbox"],
    ).start()


def connect(proc: TrunklineProcess) -> str:
    r = httpx.post(
        proc.url + "/connections",
        headers=proc.headers(),
        json={"app": "steady", "credentials": {"api_key": "k"}},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["connection"]["connection_id"])
