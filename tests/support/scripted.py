"""A real HTTP server on 127.0.0.1 that answers from a script, for the SDK's retry tests.

Each request takes the next step of ``script``: an ``Answer`` (a status, headers and the
gateway's error shape, or a JSON body for 2xx) or ``RESET`` (the connection is reset, with no
answer). When the script runs out, requests get 200. Every attempt is recorded.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    code: str = "scripted"
    body: Any = None  # for a 2xx; the default says which attempt answered


RESET = "reset"


@dataclass(frozen=True)
class Attempt:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[Answer | str] = []
        self.attempts: list[Attempt] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def next_step(self, attempt: Attempt) -> Answer | str:
        with self.lock:
            self.attempts.append(attempt)
            return self.script.pop(0) if self.script else Answer(200)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ScriptedServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        step = self.server.next_step(Attempt(self.command, self.path, headers, body))
        if step == RESET:
            # SO_LINGER 0: closing sends a TCP RST instead of a clean FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        assert isinstance(step, Answer)
        number = len(self.server.attempts)
        if step.status >= 400:
            error = {"code": step.code, "message": f"scripted {step.status}", "status": step.status}
            payload: Any = {"error": {**error, "request_id": f"req_body_{number}"}}
        else:
            payload = step.body if step.body is not None else {"ok": True, "attempt": number}
        data = json.dumps(payload).encode()
        self.send_response(step.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", f"req_{number}")
        for name, value in step.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
