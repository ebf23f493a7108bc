"""``trunkline serve`` as a real process on 127.0.0.1, for end-to-end tests.

Its stdout and stderr go to this run's log directory (``tests/support/secrets.py``), and the
secrets it is given or issues are remembered, for the end-of-suite check that no log holds one.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support import secrets
from tests.support.servers import free_port

BIN = Path(sys.executable).parent / "trunkline"


class TrunklineProcess:
    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
        port: int | None = None,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRUNKLINE_")}
        self.env = {**inherited, "TRUNKLINE_CACHE_TTL": "0", **(env or {})}
        self.args = args or []
        self.preexec = preexec  # runs in the child before exec (e.g. to lower its rlimits)
        self.proc: subprocess.Popen[bytes] | None = None
        name = f"{data_dir.parent.name}-{data_dir.name}-{self.port}-{uuid.uuid4().hex[:6]}"
        self.stdout_path = secrets.log_dir() / f"{name}.out"
        self.stderr_path = secrets.log_dir() / f"{name}.err"
        secrets.remember_master_keys(self.env.get("TRUNKLINE_MASTER_KEYS"))
        secrets.remember(
            *(
                v
                for k, v in self.env.items()
                if k.startswith("TRUNKLINE_") and k.endswith(("_SECRET", "_TOKEN", "_KEY"))
            )
        )
        self.api_key: str | None = None

    def start(self, timeout: float = 30) -> TrunklineProcess:
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [
                    str(BIN),
                    "serve",
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                    *self.args,
                ],
                stdout=out,
                stderr=err,
                env=self.env,
                preexec_fn=self.preexec,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"trunkline exited: {self.stderr()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError(f"trunkline did not start: {self.stderr()}")
        found = re.search(r"API key \(shown once\): (\S+)", self.stdout())
        if found:
            self.api_key = found.group(1)
            secrets.remember(self.api_key)
        key_file = self.data_dir / "master.key"
        if key_file.exists():
            secrets.remember_master_keys(key_file.read_text())
        return self

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.api_key}"}

    def cli(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {
            **self.env,
            "TRUNKLINE_URL": self.url,
            "TRUNKLINE_API_KEY": self.api_key or "",
            **(env or {}),
        }
        result = subprocess.run(
            [str(BIN), *args], capture_output=True, text=True, env=full_env, input=input, timeout=60
        )
        if args[:2] == ("keys", "create"):
            secrets.remember(result.stdout.strip())
        return result
