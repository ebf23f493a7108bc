"""Shared by the sandbox tests: a real ``trunkline serve`` with its sandboxes mounted, so the
same scenarios can run through the gateway (``/{app}/...`` with the gateway's API key)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.process import TrunklineProcess


@pytest.fixture(scope="session")
def trunkline_sandboxed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrunklineProcess]:
    data = tmp_path_factory.mktemp("gateway") / "data"
    # Requests queue for the providers' limits (Quo: 10/s) as a real deployment's would.
    env = {"TRUNKLINE_SANDBOX_SPEED": "50", "TRUNKLINE_THROTTLE_WAIT": "30"}
    proc = TrunklineProcess(data, env=env).start()
    try:
        yield proc
    finally:
        proc.stop()
