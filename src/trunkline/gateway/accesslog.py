"""The gateway's access log: one JSON line per proxied request, written without the logging
module's per-record machinery (the gateway's hot path pays for every microsecond).

Lines are buffered and flushed once per event-loop turn, so a burst costs one write call.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any, BinaryIO

import orjson


class AccessLog:
    def __init__(self, enabled: bool, stream: BinaryIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr.buffer
        self._flush_scheduled = False
        self._second = -1
        self._stamp = ""

    def write(self, fields: dict[str, Any]) -> None:
        if not self.enabled:
            return
        now = int(time.time())
        if now != self._second:  # one timestamp string per second, not per line
            self._second = now
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
        entry = {
            "ts": self._stamp,
            "level": "info",
            "logger": "trunkline.access",
            "msg": "proxy",
            **fields,
        }
        self.stream.write(orjson.dumps(entry) + b"\n")
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        try:
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False  # stderr went away: stop logging rather than fail requests
