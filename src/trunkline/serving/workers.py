"""Pre-forked workers on one listening socket, and a supervisor that keeps them running.

The supervisor binds the port, forks N workers that all ``accept()`` on the inherited socket
(the kernel hands each connection to one of them; granian instead binds one SO_REUSEPORT socket
per worker, so it gets no socket), then only waits: a worker that dies is
replaced (a crash loop — ``CRASH_LIMIT`` deaths within ``CRASH_WINDOW`` seconds — stops
everything with exit 1, rather than fork forever); SIGTERM or SIGINT is passed to every worker,
which stops accepting and drains its in-flight requests, and whatever is still running after the
drain time is killed. Workers die with the supervisor (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

CRASH_LIMIT = 5
CRASH_WINDOW = 60.0
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1


def bind(host: str, port: int, backlog: int = 2048) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Supervisor:
    def __init__(
        self,
        count: int,
        sock: socket.socket | None,
        work: Callable[[int, socket.socket | None], None],
        drain_seconds: float,
    ) -> None:
        self.count = count
        self.sock = sock
        self.work = work  # runs one worker (its index, 1-based) until it is told to stop
        self.drain_seconds = drain_seconds
        self.children: dict[int, int] = {}  # pid -> worker index
        self.deaths: list[float] = []
        self.stopping = False

    def run(self) -> int:
        """Serve until a signal; returns the process exit code."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        for index in range(1, self.count + 1):
            self._spawn(index)
        while not self.stopping:
            time.sleep(POLL_SECONDS)
            if self._reap() and not self.stopping:
                return self._shutdown(1)
        return self._shutdown(0)

    def _spawn(self, index: int) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, signal.SIG_DFL)
                _die_with_parent()
                if os.getppid() != parent:  # the supervisor died before prctl took hold
                    os._exit(0)
                self.work(index, self.sock)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # a worker never unwinds into the supervisor's code
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = index

    def _reap(self) -> bool:
        """Collect dead workers and replace them; True when they die too often to go on."""
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return False
            index = self.children.pop(pid, None)
            if index is None or self.stopping:
                continue
            now = time.monotonic()
            self.deaths = [t for t in self.deaths if t > now - CRASH_WINDOW] + [now]
            print(
                f"trunkline: worker {index} (pid {pid}) exited ({_describe(status)}); "
                + ("too many exits, stopping" if len(self.deaths) >= CRASH_LIMIT else "replacing"),
                file=sys.stderr,
                flush=True,
            )
            if len(self.deaths) >= CRASH_LIMIT:
                return True
            self._spawn(index)
        return False

    def _stop(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def _shutdown(self, code: int) -> int:
        self.stopping = True
        if self.sock is not None:
            self.sock.close()  # the workers hold their own copies until they stop accepting
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.drain_seconds + 5
        while self.children and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.children.pop(pid, None)
            else:
                time.sleep(0.05)
        for pid in self.children:  # still running past the drain: not coming back on its own
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        return code


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"status {os.waitstatus_to_exitcode(status)}"
