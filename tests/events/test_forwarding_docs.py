"""The receiver in docs/events.md, run as written, gets the sandbox's inbound text forwarded by a
real trunkline, verified with the standardwebhooks package."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.process import TrunklineProcess
from tests.support.servers import free_port

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def receiver_source() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    (source,) = [b for b in blocks if "HTTPServer" in b]
    assert len(source.strip().splitlines()) <= 22
    return source


def test_the_documented_receiver_gets_forwarded_events(tmp_path: Path) -> None:
    proc = TrunklineProcess(
        tmp_path / "data",
        env={"TRUNKLINE_ALLOW_PRIVATE_DESTINATIONS": "true", "TRUNKLINE_SANDBOX_SPEED": "50"},
    ).start()
    port = free_port()
    try:
        made = httpx.post(
            proc.url + "/event-destinations",
            headers=proc.headers(),
            json={"url": f"http://127.0.0.1:{port}/hooks", "types": ["message.*"]},
        )
        assert made.status_code == 201, made.text
        destination = made.json()["destination"]
        assert destination["secret"].startswith("whsec_")
        script = tmp_path / "receiver.py"
        script.write_text(receiver_source())
        env = {
            **os.environ,
            "TRUNKLINE_DESTINATION_SECRET": destination["secret"],
            "PORT": str(port),
        }
        out = tmp_path / "receiver.out"
        with out.open("w") as sink:
            receiver = subprocess.Popen([sys.executable, str(script)], stdout=sink, env=env)
        try:
            time.sleep(0.5)
            r = httpx.post(
                proc.url + "/quo/_sandbox/messages/inbound",
                headers=proc.headers(),
                json={"from": "+14155550142", "to": "+14155550123", "text": "See you at 3"},
            )
            assert r.status_code == 201
            deadline = time.monotonic() + 20
            while "See you at 3" not in out.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "message.received +14155550142 See you at 3" in out.read_text()
            log = httpx.get(
                f"{proc.url}/event-destinations/{destination['id']}/deliveries",
                headers=proc.headers(),
            ).json()
            assert any(d["status"] == "succeeded" for d in log["deliveries"])
            listed = httpx.get(proc.url + "/event-destinations", headers=proc.headers()).json()
            assert destination["secret"] not in str(listed)
        finally:
            receiver.terminate()
            receiver.wait(5)
    finally:
        proc.stop()
