"""The sandbox's world: state tables, clock, webhook sender and limits, shared by every handler.

Records are plain JSON documents kept in named tables (``calls``, ``companies``...). Every record
carries its account in ``_account``; keys starting with ``_`` are internal and never rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trunkline.sandbox.callrail.errors import not_found
from trunkline.sandbox.callrail.limits import Limits
from trunkline.sandbox.kit import Delivery, IdMaker, SandboxRuntime, utcnow

Doc = dict[str, Any]


@dataclass
class World:
    runtime: SandboxRuntime
    limits: Limits
    ids: IdMaker = field(default_factory=IdMaker)
    deliveries: list[tuple[str, Delivery]] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return self.runtime.state.data

    def now(self) -> datetime:
        return utcnow()

    def table(self, name: str) -> dict[str, Doc]:
        return self.runtime.state.table(name)

    def save(self) -> None:
        self.runtime.state.save()

    def scoped(self, name: str, account_id: str) -> list[Doc]:
        return [doc for doc in self.table(name).values() if doc.get("_account") == account_id]

    def find(self, name: str, account_id: str, record_id: str) -> Doc:
        """A record of this account, or CallRail's 404 (other accounts' records are invisible)."""
        doc = self.table(name).get(str(record_id))
        if doc is None or doc.get("_account") != account_id:
            raise not_found()
        return doc

    def new_id(self, prefix: str) -> str:
        return self.ids.prefixed(prefix, 32)

    def next_number(self, kind: str) -> int:
        return next_number(self.data, kind)


def next_number(data: dict[str, Any], kind: str) -> int:
    """Numeric ids (tags, integrations, legacy webhook ids) count up per kind from a base."""
    counters: dict[str, int] = data.setdefault("meta", {}).setdefault("counters", {})
    counters[kind] = counters.get(kind, 0) + 1
    return NUMERIC_BASES.get(kind, 100_000) + counters[kind]


NUMERIC_BASES = {
    "tag": 993_000,
    "integration": 4_000,
    "notification": 100,
    "legacy": 700_000_000,
}


def public(doc: Doc) -> Doc:
    return {key: value for key, value in doc.items() if not key.startswith("_")}
