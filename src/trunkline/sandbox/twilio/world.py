"""The sandbox's world: state tables, the clock, callbacks and per-account request slots."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from trunkline.sandbox.kit import IdMaker, SandboxConfig, SandboxRuntime, utcnow
from trunkline.sandbox.kit.state import Seed
from trunkline.sandbox.twilio import errors
from trunkline.sandbox.twilio.callbacks import Callbacks

Record = dict[str, Any]
CallListener = Callable[["World", Record, str], None]

# Twilio limits concurrent API requests per account (100 by default); over it: 429, code 20429.
DEFAULT_CONCURRENCY = 100


class World:
    def __init__(self, config: SandboxConfig, seed: Seed) -> None:
        self.config = config
        self.runtime = SandboxRuntime("twilio", config, seed)
        self.callbacks = Callbacks(self.runtime.webhooks)
        self.ids = IdMaker()
        self.in_flight: dict[str, int] = {}
        limit = config.extra.get("twilio_concurrency_limit", DEFAULT_CONCURRENCY)
        self.concurrency_limit: int | None = int(limit) if config.rate_limits else None
        self.call_listeners: list[CallListener] = []

    def notify_call(self, call: Record, event: str) -> None:
        """Tell the resources that follow calls (recordings, conferences, queues) that ``call``
        was ``answered`` or has ``ended``."""
        for listener in self.call_listeners:
            listener(self, call, event)

    def table(self, name: str) -> dict[str, Record]:
        return self.runtime.state.table(name)

    def save(self) -> None:
        self.runtime.state.save()

    def now(self) -> datetime:
        return utcnow()

    def new_sid(self, prefix: str) -> str:
        return self.ids.prefixed(prefix, 32)

    def account(self, sid: str) -> Record | None:
        return self.table("accounts").get(sid)

    def token_of(self, account_sid: str) -> str:
        account = self.account(account_sid)
        return str(account["auth_token"]) if account else ""

    def owned(self, table: str, account_sid: str, sid: str, path: str) -> Record:
        """The record ``sid`` of ``account_sid`` in ``table``, or Twilio's 404."""
        record = self.table(table).get(sid)
        if record is None or record.get("account_sid") != account_sid:
            raise errors.not_found(path)
        return record

    def records(self, table: str, account_sid: str) -> list[Record]:
        return [r for r in self.table(table).values() if r.get("account_sid") == account_sid]

    def numbers_by_phone(self, phone: str) -> Record | None:
        for number in self.table("numbers").values():
            if number["phone_number"] == phone:
                return number
        return None

    @contextlib.contextmanager
    def slot(self, root_sid: str) -> Iterator[None]:
        """Count one request in flight for the account tree; 429 (20429) over the limit."""
        busy = self.in_flight.get(root_sid, 0)
        if self.concurrency_limit is not None and busy >= self.concurrency_limit:
            raise errors.too_many_requests()
        self.in_flight[root_sid] = busy + 1
        try:
            yield
        finally:
            self.in_flight[root_sid] -= 1
