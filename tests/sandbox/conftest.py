"""Shared by the sandbox tests: a real ``trunkline serve`` with its sandboxes mounted, so the
same scenarios can run through the gateway (``/{app}/...`` with the gateway's API key)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.process import TrunklineProcess


@pytest.fixture(scope="session")
def trunkline_sandboxed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrunklineProcess]:
    data = tmp_path_factory.mktemp("gateway") / "data"
    proc = TrunklineProcess(data, env={"TRUNKLINE_SANDBOX_SPEED": "50"}).start()
    try:
        yield proc
    finally:
        proc.stop()
