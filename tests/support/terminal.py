"""A command on a real pseudo-terminal (stdin, stdout and stderr all TTYs), read as it draws.

``expect`` waits for a pattern with a deadline; everything read is kept in ``screen`` (raw,
with the escape codes) and ``text`` (escape codes removed).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


class Terminal:
    def __init__(
        self, argv: list[str], env: dict[str, str], cwd: str | None = None, columns: int = 120
    ) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        full_env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": "40"}
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self.screen = ""

    @property
    def text(self) -> str:
        return ANSI.sub("", self.screen)

    def expect(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.text)
            if found:
                return found
            left = deadline - time.monotonic()
            assert left > 0, (
                f"{pattern!r} never appeared; the terminal showed:\n{self.text[-3000:]}"
            )
            self._read(min(left, 0.5))

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def interrupt(self) -> None:
        """Ctrl-C as a terminal delivers it: SIGINT to the command's process group."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def wait(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, f"still running; it showed:\n{self.text[-3000:]}"
            self._read(0.2)
        self._read(0.2)  # whatever is still buffered
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self.master)

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the other side closed (the process ended)
            return
        self.screen += chunk.decode(errors="replace")
