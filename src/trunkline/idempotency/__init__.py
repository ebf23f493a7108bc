"""Idempotency keys: a keyed POST/PATCH through the gateway runs once per (account, key).

The first request *claims* the key (a row with an owner and a lease), runs, then stores its
answer; a repeat with the same fingerprint gets that answer back, a repeat with another one is
422, and a repeat while the first still runs polls the row until it is done (bounded, then 409).
Rows live in the database, so the promise holds across replicas and restarts. A claim whose
owner died is taken over once its lease ends; a row older than the TTL counts as absent.

This package is the one writer of ``idempotency_keys``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline.errors import (
    IdempotencyInFlight,
    IdempotencyKeyReused,
    InvalidRequest,
    StoreUnavailable,
)
from trunkline.store.models import IdempotencyKey

log = logging.getLogger("trunkline.idempotency")

# Printable ASCII, as Stripe and the IETF draft allow; long enough for a UUID or a hash.
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def fingerprint(mode: str, method: str, target: str, body: bytes | None) -> str:
    """What a repeat must match: the key's mode, method, path with query and body."""
    digest = hashlib.sha256(f"{mode}\0{method}\0{target}\0".encode("latin-1", "replace"))
    digest.update(body or b"")
    return digest.hexdigest()


def check_key(raw: bytes) -> str:
    key = raw.decode("latin-1").strip()
    if not _VALID_KEY.match(key):
        raise InvalidRequest("Idempotency-Key must be 1 to 255 printable ASCII characters")
    return key


@dataclass(frozen=True)
class Claim:
    """This request owns the key: run it, then ``finish`` or ``release``."""

    account_id: str
    key: str
    owner: str


@dataclass(frozen=True)
class Replay:
    """The stored answer of the first request."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    body_omitted: bool


@dataclass
class Stats:
    claims: int = 0
    replays: int = 0
    reused: int = 0
    in_flight: int = 0
    takeovers: int = 0
    released: int = 0


class IdempotencyStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        dialect: str,
        *,
        ttl: float,
        wait: float,
        lease: float,
        max_body: int,
    ) -> None:
        self.sessions = sessions
        self.insert = pg_insert if dialect == "postgresql" else sqlite_insert
        self.ttl = ttl
        self.wait = wait
        self.lease = lease
        self.max_body = max_body
        self.stats = Stats()

    async def claim(self, account_id: str, key: str, print_: str) -> Claim | Replay:
        """Own the key, or get the stored answer; wait (bounded) while another request runs."""
        deadline = time.monotonic() + self.wait
        delay = 0.02
        while True:
            outcome = await self._try(account_id, key, print_)
            if outcome is not None:
                return outcome
            left = deadline - time.monotonic()
            if left <= 0:
                self.stats.in_flight += 1
                raise IdempotencyInFlight(
                    "a request with this Idempotency-Key is still in progress; retry later"
                )
            await asyncio.sleep(min(delay, left))
            delay = min(delay * 2, 0.25)

    async def finish(
        self,
        claim: Claim,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes | None,
    ) -> None:
        """Store the answer (``body`` None: too large, recorded by status only)."""
        stored = [[n.decode("latin-1"), v.decode("latin-1")] for n, v in headers]
        async with self.sessions() as db, db.begin():
            await db.execute(
                update(IdempotencyKey)
                .where(*self._own(claim))
                .values(
                    owner=None,
                    status=status,
                    headers=stored,
                    body=body if body is not None else b"",
                    body_omitted=body is None,
                )
            )

    async def release(self, claim: Claim) -> None:
        """Forget the claim: nothing reached the provider, so a repeat may run afresh."""
        self.stats.released += 1
        async with self.sessions() as db, db.begin():
            await db.execute(delete(IdempotencyKey).where(*self._own(claim)))

    async def purge(self) -> int:
        now = time.time()
        async with self.sessions() as db, db.begin():
            result = await db.execute(
                delete(IdempotencyKey).where(
                    IdempotencyKey.created < now - self.ttl,
                    or_(IdempotencyKey.owner.is_(None), IdempotencyKey.locked_until < now),
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def run_purge(self, every: float = 3600.0) -> None:
        """The background task: drop expired keys now, then every ``every`` seconds."""
        while True:
            try:
                await self.purge()
            except StoreUnavailable as exc:  # a restart or failover: the next round purges
                log.warning("idempotency purge: %s", exc)
            except Exception:
                log.exception("idempotency purge failed")
            await asyncio.sleep(every)

    async def _try(self, account_id: str, key: str, print_: str) -> Claim | Replay | None:
        now = time.time()
        owner = secrets.token_hex(16)
        fresh = {"fingerprint": print_, "owner": owner, "locked_until": now + self.lease}
        async with self.sessions() as db, db.begin():
            # Insert first: the write lock (SQLite) or the unique index (PostgreSQL) orders
            # concurrent claims, and exactly one of them inserts.
            inserted = await db.execute(
                self.insert(IdempotencyKey)
                .values(account_id=account_id, key=key, created=now, body_omitted=False, **fresh)
                .on_conflict_do_nothing()
            )
            if _count(inserted) == 1:
                self.stats.claims += 1
                return Claim(account_id, key, owner)
            row = (
                await db.execute(
                    select(IdempotencyKey).where(
                        IdempotencyKey.account_id == account_id, IdempotencyKey.key == key
                    )
                )
            ).scalar_one_or_none()
            if row is None:
                return None  # released between the two statements: try again
            if row.created + self.ttl <= now:
                return await self._take_over(db, row, now, {**fresh, "created": now})
            if row.fingerprint != print_:
                self.stats.reused += 1
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was used with a different method, path or body"
                )
            if row.owner is None:
                self.stats.replays += 1
                return Replay(
                    row.status or 0,
                    [(n.encode("latin-1"), v.encode("latin-1")) for n, v in row.headers or []],
                    row.body or b"",
                    row.body_omitted,
                )
            if row.locked_until <= now:  # the owner died mid-request: its lease ran out
                return await self._take_over(db, row, now, fresh)
            return None

    async def _take_over(
        self, db: AsyncSession, row: IdempotencyKey, now: float, values: dict[str, Any]
    ) -> Claim | None:
        """Claim an expired row, unless someone else did first (compare and set)."""
        result = await db.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.account_id == row.account_id,
                IdempotencyKey.key == row.key,
                IdempotencyKey.created == row.created,
                IdempotencyKey.locked_until == row.locked_until,
            )
            .values(status=None, headers=None, body=None, body_omitted=False, **values)
        )
        if _count(result) != 1:
            return None
        self.stats.takeovers += 1
        self.stats.claims += 1
        return Claim(row.account_id, row.key, str(values["owner"]))

    @staticmethod
    def _own(claim: Claim) -> tuple[Any, ...]:
        return (
            IdempotencyKey.account_id == claim.account_id,
            IdempotencyKey.key == claim.key,
            IdempotencyKey.owner == claim.owner,
        )


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
