"""The README's CLI examples, run as written against a live ``trunkline serve`` with sandboxes."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

from tests.support.process import BIN, TrunklineProcess

ROOT = Path(__file__).resolve().parents[2]


def readme_cli_examples() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## The CLI\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [
        line for block in blocks for line in block.splitlines() if line.startswith("trunkline ")
    ]


def test_the_readme_has_the_promised_examples() -> None:
    verbs = {" ".join(shlex.split(line)[1:3]) for line in readme_cli_examples()}
    assert {"sms send", "calls list", "export calls"} <= verbs
    assert any(line.startswith("trunkline run ") for line in readme_cli_examples())


def test_the_readme_cli_examples_run(trunkline_sandboxed: TrunklineProcess, tmp_path: Path) -> None:
    env = {
        **trunkline_sandboxed.env,
        "TRUNKLINE_URL": trunkline_sandboxed.url,
        "TRUNKLINE_API_KEY": trunkline_sandboxed.api_key or "",
    }
    for line in readme_cli_examples():
        args = shlex.split(line)
        result = subprocess.run(
            [str(BIN), *args[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{line}\n{result.stderr}"
        answer = json.loads(result.stdout)  # piped: JSON
        if "--out" in args:
            written = tmp_path / args[args.index("--out") + 1]
            assert answer["rows"] > 0 and written.stat().st_size > 0
        elif args[1] in ("calls", "contacts", "run") and args[2] != "show":
            assert answer["items"], line
