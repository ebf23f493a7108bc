"""``trunkline sandbox APP`` runs one provider alone; ``trunkline serve`` mounts them all."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.process import BIN, TrunklineProcess
from tests.support.servers import free_port
from trunkline.sandbox import load_sandbox

PROBES = {
    "quo": ("/v1/phone-numbers", lambda c: {"Authorization": c["api_key"]}),
    "callrail": ("/v3/a.json", lambda c: {"Authorization": f'Token token="{c["api_key"]}"'}),
    "twilio": ("/2010-04-01/Accounts.json", None),
}


@pytest.mark.parametrize("app", sorted(PROBES))
def test_sandbox_command_serves_one_provider(app: str, tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN), "sandbox", app, "--port", str(port), "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        creds = load_sandbox(app).credentials
        path, headers = PROBES[app]
        auth = (creds["account_sid"], creds["auth_token"]) if app == "twilio" else None
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(
                    f"http://127.0.0.1:{port}{path}",
                    auth=auth,
                    headers=headers(creds) if headers else None,
                    timeout=2,
                )
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert r.status_code == 200, r.text
        assert (tmp_path / "sandbox" / f"{app}.json").exists()
    finally:
        proc.terminate()
        proc.wait(10)


def test_unknown_sandbox_is_a_clear_error() -> None:
    result = subprocess.run(
        [str(BIN), "sandbox", "pigeon"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "no sandbox named 'pigeon'" in result.stderr


def test_newcomers_first_request_works_and_sandbox_state_survives_restart(
    data_dir: Path,
) -> None:
    proc = TrunklineProcess(data_dir, env={"TRUNKLINE_SANDBOX_SPEED": "50"}).start()
    headers = proc.headers()
    try:
        listed = httpx.get(proc.url + "/connections", headers=headers).json()["connections"]
        active = {c["app"] for c in listed if c["status"] == "ACTIVE" and c["metadata"]["sandbox"]}
        assert {"quo", "twilio", "callrail"} <= active
        numbers = httpx.get(proc.url + "/quo/v1/phone-numbers", headers=headers)
        assert numbers.status_code == 200
        line = numbers.json()["data"][0]["id"]
        sent = httpx.post(
            proc.url + "/quo/v1/messages",
            headers=headers,
            json={"from": line, "to": ["+14155550123"], "content": "kept across restarts"},
        )
        assert sent.status_code == 202, sent.text
        message_id = sent.json()["data"]["id"]
    finally:
        proc.stop()
    again = TrunklineProcess(data_dir, port=proc.port).start()
    try:
        r = httpx.get(f"{again.url}/quo/v1/messages/{message_id}", headers=headers)
        assert r.status_code == 200 and r.json()["data"]["text"] == "kept across restarts"
        listed = httpx.get(again.url + "/connections", headers=headers).json()["connections"]
        assert len([c for c in listed if c["app"] == "quo"]) == 1  # not duplicated on restart
    finally:
        again.stop()
