"""A sandbox's state file holds its tokens in plaintext (they are the sandbox's own fake
credentials, see docs/production.md), so only the owner can read it: file 0600, folder 0700."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from trunkline.lifespan import run_lifespan
from trunkline.sandbox import available_sandboxes, load_sandbox
from trunkline.sandbox.kit import SandboxConfig


@pytest.mark.parametrize("app", available_sandboxes())
async def test_state_file_is_the_owners_alone(app: str, tmp_path: Path) -> None:
    spec = load_sandbox(app)
    config = SandboxConfig(data_dir=tmp_path)
    async with run_lifespan(spec.create_app(config)):
        pass
    path = config.state_path(app)
    assert path is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    secret = max(spec.credentials.values(), key=len)
    assert secret in path.read_text()  # what the docs say: plaintext, hence the modes
