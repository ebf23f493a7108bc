"""The README's SDK section, run as a user would: its code in a fresh interpreter against a live
``trunkline serve`` with the sandboxes, configured only through the environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.process import TrunklineProcess

README = Path(__file__).resolve().parents[2] / "README.md"


def sdk_blocks() -> list[str]:
    section = README.read_text().split("\n## SDK\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_sdk_section_has_code() -> None:
    assert len(sdk_blocks()) == 1 and "client.quo.messages.send" in sdk_blocks()[0]


def test_the_sdk_example_runs(trunkline_sandboxed: TrunklineProcess) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRUNKLINE_", "MATON_"))}
    env |= {"TRUNKLINE_URL": trunkline_sandboxed.url}
    env |= {"TRUNKLINE_API_KEY": trunkline_sandboxed.api_key or ""}
    for block in sdk_blocks():
        done = subprocess.run(
            [sys.executable, "-c", block], capture_output=True, text=True, env=env, timeout=90
        )
        assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    sent_id, status = lines[0].split()
    assert sent_id.startswith("AC") and status == "queued"
    assert "outgoing Running late" in lines
    assert lines[-1] == "+14155550142 No problem!"
