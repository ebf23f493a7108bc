"""Forwarding: the only writer of the ``event_destinations`` and ``event_deliveries`` tables.

An account registers destinations (a URL and the event types it wants); every new event of that
account and mode queues one delivery per matching enabled destination (:meth:`on_event`). The
worker (:mod:`.worker`) claims due deliveries, POSTs them and reports back (:meth:`record`).

Exactly one delivery row exists per (event, destination) and replay, and an attempt in flight is
claimed by one replica at a time: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's single
writer elsewhere, with a lease so that a replica that dies mid-attempt frees its claims. Every
write is one short transaction; no database connection is held while a destination is called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import uuid4

import orjson
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline.accounts import Caller
from trunkline.errors import Conflict, InvalidRequest, NotFound, ScopeDenied
from trunkline.events.inbox import envelope  # a destination gets the API's shape
from trunkline.forwarding import patterns
from trunkline.forwarding.guard import check_destination
from trunkline.forwarding.ids import looks_like, new_id
from trunkline.forwarding.schedule import RetryPolicy
from trunkline.forwarding.sender import Outcome, message_id, new_secret
from trunkline.settings import Settings
from trunkline.store import Connection, Delivery, Destination, Event
from trunkline.timeutil import aware, now, rfc3339
from trunkline.vault import Vault, VaultError

log = logging.getLogger("trunkline.forwarding")
MAX_DESTINATIONS = 100
MAX_PAGE = 500
Listener = Callable[[], None]


class DestinationStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    """``pending``: waiting for its next attempt (``attempts`` and ``last_error`` tell how the
    earlier ones went). ``succeeded``: a 2xx came back. ``abandoned``: the retry window or the
    attempt limit ran out. ``failed``: stopped early because its destination was disabled."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class Job:
    """One claimed attempt: everything the worker needs to make it without the database."""

    delivery_id: str
    token: str
    attempts: int
    destination_id: str
    event_id: str
    url: str
    message_id: str
    body: str
    secret: str | None  # None when the sealed secret cannot be opened
    problem: str | None = None


class ForwardingService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        vault: Vault,
        *,
        dialect: str,
        policy: RetryPolicy | None = None,
        allow_private: bool = False,
        lease: float = 40.0,
    ) -> None:
        self.sessions = sessions
        self.vault = vault
        self.dialect = dialect
        self.policy = policy or RetryPolicy()
        self.allow_private = allow_private
        self.lease = timedelta(seconds=lease)
        self._listeners: list[Listener] = []

    @classmethod
    def from_settings(
        cls,
        sessions: async_sessionmaker[AsyncSession],
        vault: Vault,
        settings: Settings,
        *,
        dialect: str,
    ) -> ForwardingService:
        return cls(
            sessions,
            vault,
            dialect=dialect,
            policy=RetryPolicy.from_settings(settings),
            allow_private=settings.allow_private_destinations,
            # Longer than any attempt can take, so a live claim never lapses.
            lease=settings.delivery_timeout + 30.0,
        )

    def on_queued(self, listener: Listener) -> None:
        """Call ``listener()`` whenever deliveries were queued (the worker's wake-up)."""
        self._listeners.append(listener)

    def _queued(self) -> None:
        for listener in self._listeners:
            listener()

    # -- destinations ------------------------------------------------------------------------

    def wire(self, dst: Destination, secret: str | None = None) -> dict[str, Any]:
        """The destination as the API shows it; the secret only when just created."""
        shown: dict[str, Any] = {
            "id": dst.id,
            "url": dst.url,
            "types": list(dst.types),
            "connection_id": dst.connection_id,
            "mode": dst.mode,
            "status": dst.status,
            "disabled_reason": dst.disabled_reason,
            "created_at": rfc3339(dst.created_at),
            "updated_at": rfc3339(dst.updated_at),
        }
        if secret is not None:
            shown["secret"] = secret
        return shown

    async def create(
        self,
        caller: Caller,
        url: str,
        types: list[str] | None = None,
        connection_id: str | None = None,
    ) -> tuple[Destination, str]:
        """A new enabled destination and its signing secret (shown this once)."""
        wanted = patterns.checked(types if types is not None else ["*"])
        await check_destination(url, allow_private=self.allow_private)
        secret, stamp, dst_id = new_secret(), now(), new_id("dst_")
        dst = Destination(
            id=dst_id,
            account_id=caller.account_id,
            mode=caller.mode.value,
            url=url,
            types=wanted,
            connection_id=None,
            secret_sealed=self.vault.encrypt({"secret": secret}, dst_id),
            status=DestinationStatus.ENABLED.value,
            abandoned_streak=0,
            created_at=stamp,
            updated_at=stamp,
        )
        async with self.sessions() as db, db.begin():
            if connection_id is not None:
                dst.connection_id, app = await self._connection(db, caller, connection_id)
                caller.scope.check_connection(dst.connection_id)
                caller.scope.check_app(app)
            elif _limited(caller):
                raise ScopeDenied(
                    "this API key is limited to some apps or connections: a destination must "
                    "name one of its connections (connection_id)",
                    code="scope_connection",
                )
            count = select(func.count()).select_from(Destination).where(_of(caller))
            if (await db.execute(count)).scalar_one() >= MAX_DESTINATIONS:
                raise Conflict(
                    f"an account has at most {MAX_DESTINATIONS} destinations per mode",
                    code="too_many_destinations",
                )
            db.add(dst)
        return dst, secret

    async def listing(self, caller: Caller) -> list[Destination]:
        async with self.sessions() as db:
            query = select(Destination).where(_of(caller)).order_by(Destination.id)
            found = list((await db.execute(query)).scalars())
            if not _limited(caller):
                return found
            visible = await self._visible(db, caller, {d.connection_id for d in found})
            return [d for d in found if d.connection_id in visible]

    async def get(self, caller: Caller, destination_id: str) -> Destination:
        async with self.sessions() as db:
            return await self._owned(db, caller, destination_id)

    async def update(
        self,
        caller: Caller,
        destination_id: str,
        *,
        url: str | None = None,
        types: list[str] | None = None,
        status: DestinationStatus | None = None,
    ) -> Destination:
        wanted = patterns.checked(types) if types is not None else None
        if url is not None:
            await check_destination(url, allow_private=self.allow_private)
        async with self.sessions() as db, db.begin():
            dst = await self._owned(db, caller, destination_id)
            if url is not None:
                dst.url = url
            if wanted is not None:
                dst.types = wanted
            if status is DestinationStatus.ENABLED and dst.status != status.value:
                dst.status, dst.disabled_reason = status.value, None
                dst.failing_since, dst.abandoned_streak = None, 0
            elif status is DestinationStatus.DISABLED and dst.status != status.value:
                dst.status, dst.disabled_reason = status.value, "disabled through the API"
                await self._fail_pending(db, dst.id, "the destination was disabled")
            dst.updated_at = now()
        return dst

    async def delete(self, caller: Caller, destination_id: str) -> None:
        """The destination and its delivery log go; an attempt in flight finishes unrecorded."""
        async with self.sessions() as db, db.begin():
            await db.delete(await self._owned(db, caller, destination_id))

    async def _owned(self, db: AsyncSession, caller: Caller, destination_id: str) -> Destination:
        """The caller's destination of its own mode; 404 for anyone else's (no existence leak)."""
        found = None
        if looks_like(destination_id, "dst_"):
            found = await db.get(Destination, destination_id)
        if (
            found is None
            or found.account_id != caller.account_id
            or found.mode != caller.mode
            or (_limited(caller) and not await self._visible(db, caller, {found.connection_id}))
        ):
            raise NotFound(
                f"destination {destination_id[:64]!r} not found", code="destination_not_found"
            )
        return found

    async def _visible(
        self, db: AsyncSession, caller: Caller, connection_ids: set[str | None]
    ) -> set[str]:
        """Which of these connections a scoped key may see: account-wide destinations (no
        connection) would forward events beyond its scope, so they are never among them."""
        wanted = [c for c in connection_ids if c is not None]
        if not wanted:
            return set()
        query = select(Connection.id, Connection.app).where(Connection.id.in_(wanted))
        rows = (await db.execute(query)).all()
        return {cid for cid, app in rows if caller.scope.allows(app, cid)}

    async def _connection(
        self, db: AsyncSession, caller: Caller, connection_id: str
    ) -> tuple[str, str]:
        query = select(Connection.id, Connection.app).where(
            Connection.id == connection_id[:64].lower(),
            Connection.account_id == caller.account_id,
            Connection.mode == caller.mode.value,
        )
        found = (await db.execute(query)).one_or_none()
        if found is None:
            raise NotFound(
                f"connection {connection_id[:64]!r} not found", code="connection_not_found"
            )
        return found[0], found[1]

    # -- queueing ----------------------------------------------------------------------------

    async def on_event(self, event: Event | Mapping[str, Any]) -> int:
        """The ingest hook: queue the event for every matching enabled destination of its
        account and mode; returns how many deliveries were queued. Calling it again for the
        same event queues nothing more."""
        async with self.sessions() as db:
            row = event if isinstance(event, Event) else await self._event(db, str(event["id"]))
            if row is None:
                return 0
            targets = await self._matching(db, row)
        if not targets:
            return 0
        stamp = now()
        values = [self._new_delivery(row, dst_id, 0, stamp) for dst_id in targets]
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        async with self.sessions() as db, db.begin():
            await db.execute(insert(Delivery).values(values).on_conflict_do_nothing())
        self._queued()
        return len(values)

    async def _event(self, db: AsyncSession, event_id: str) -> Event | None:
        return (await db.execute(select(Event).where(Event.id == event_id))).scalar_one_or_none()

    async def _matching(self, db: AsyncSession, event: Event) -> list[str]:
        query = select(Destination).where(
            Destination.account_id == event.account_id,
            Destination.mode == event.mode,
            Destination.status == DestinationStatus.ENABLED.value,
            or_(
                Destination.connection_id.is_(None),
                Destination.connection_id == event.connection_id,
            ),
        )
        found = (await db.execute(query.order_by(Destination.id))).scalars()
        return [dst.id for dst in found if patterns.matches(dst.types, event.type)]

    def _new_delivery(
        self, event: Event, destination_id: str, replay: int, stamp: Any
    ) -> dict[str, Any]:
        return {
            "id": new_id("dlv_"),
            "event_id": event.id,
            "destination_id": destination_id,
            "account_id": event.account_id,
            "replay": replay,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": stamp,
            "give_up_at": stamp + timedelta(seconds=self.policy.window),
            "created_at": stamp,
            "updated_at": stamp,
        }

    async def replay(
        self, caller: Caller, event_id: str, destination_id: str | None = None
    ) -> list[Delivery]:
        """Deliver an event again now, as a new sequence of attempts: to one destination, or to
        every enabled destination it matches. The ``webhook-id`` stays the same."""
        for _ in range(3):
            try:
                return await self._replay(caller, event_id, destination_id)
            except IntegrityError:
                continue  # a concurrent replay took the same number: count again
        raise Conflict("the event is being replayed concurrently; try again", code="conflict")

    async def _replay(
        self, caller: Caller, event_id: str, destination_id: str | None
    ) -> list[Delivery]:
        async with self.sessions() as db, db.begin():
            event = await self._event(db, event_id[:64]) if looks_like(event_id, "evt_") else None
            if (
                event is None
                or event.account_id != caller.account_id
                or event.mode != caller.mode
                or not caller.scope.allows(event.app, event.connection_id)
            ):
                raise NotFound(f"event {event_id[:64]!r} not found", code="event_not_found")
            if destination_id is not None:
                dst = await self._owned(db, caller, destination_id)
                if dst.status != DestinationStatus.ENABLED.value:
                    raise Conflict(
                        f"destination {dst.id} is disabled; enable it first",
                        code="destination_disabled",
                    )
                targets = [dst.id]
            else:
                targets = await self._matching(db, event)
                if _limited(caller):  # only to the destinations this key can see
                    mine = select(Destination.id).where(
                        Destination.id.in_(targets), Destination.connection_id.is_not(None)
                    )
                    targets = sorted((await db.execute(mine)).scalars())
            stamp, queued = now(), []
            for dst_id in targets:
                last = select(func.max(Delivery.replay)).where(
                    Delivery.event_id == event.id, Delivery.destination_id == dst_id
                )
                number = ((await db.execute(last)).scalar_one_or_none() or 0) + 1
                delivery = Delivery(**self._new_delivery(event, dst_id, number, stamp))
                db.add(delivery)
                queued.append(delivery)
        if queued:
            self._queued()
        return queued

    # -- the delivery log --------------------------------------------------------------------

    def wire_delivery(self, delivery: Delivery) -> dict[str, Any]:
        def stamp(value: Any) -> str | None:
            return rfc3339(value) if value is not None else None

        return {
            "id": delivery.id,
            "event_id": delivery.event_id,
            "destination_id": delivery.destination_id,
            "message_id": message_id(delivery.event_id, delivery.destination_id),
            "trigger": "replay" if delivery.replay else "event",
            "status": delivery.status,
            "attempts": delivery.attempts,
            "last_response_status": delivery.last_response_status,
            "last_error": delivery.last_error,
            "last_attempt_at": stamp(delivery.last_attempt_at),
            "next_attempt_at": stamp(delivery.next_attempt_at),
            "delivered_at": stamp(delivery.delivered_at),
            "created_at": stamp(delivery.created_at),
            "updated_at": stamp(delivery.updated_at),
        }

    async def deliveries(
        self, caller: Caller, destination_id: str, *, limit: int = 50, after: str | None = None
    ) -> tuple[list[Delivery], str | None]:
        """A destination's deliveries, newest first; the cursor for the next page, if any."""
        if after is not None and not looks_like(after, "dlv_"):
            raise InvalidRequest("after must be a delivery id from the previous page")
        limit = max(0, min(limit, MAX_PAGE))
        async with self.sessions() as db:
            dst = await self._owned(db, caller, destination_id)
            query = select(Delivery).where(Delivery.destination_id == dst.id)
            if after is not None:
                query = query.where(Delivery.id < after)
            query = query.order_by(Delivery.id.desc()).limit(limit + 1)
            found = list((await db.execute(query)).scalars())
        page = found[:limit]
        return page, page[-1].id if len(found) > limit and page else None

    # -- the worker's side ---------------------------------------------------------------------

    async def claim(self, limit: int) -> list[Job]:
        """Claim up to ``limit`` due deliveries for one attempt each, under a lease."""
        if limit <= 0:
            return []
        token, stamp = uuid4().hex, now()
        due = (
            select(Delivery.id)
            .where(
                Delivery.status == DeliveryStatus.PENDING.value,
                Delivery.next_attempt_at <= stamp,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < stamp),
            )
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        take = (
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()))
            .values(
                claimed_by=token,
                lease_until=stamp + self.lease,
                attempts=Delivery.attempts + 1,
                last_attempt_at=stamp,
                updated_at=stamp,
            )
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
        async with self.sessions() as db, db.begin():
            ids = list((await db.execute(take)).scalars())
            if not ids:
                return []
            query = (
                select(Delivery, Event, Destination)
                .join(Event, Event.id == Delivery.event_id)
                .join(Destination, Destination.id == Delivery.destination_id)
                .where(Delivery.id.in_(ids))
            )
            rows = (await db.execute(query)).tuples().all()
            jobs = []
            for delivery, event, dst in rows:
                if dst.status != DestinationStatus.ENABLED.value:
                    await self._fail_pending(db, dst.id, "the destination was disabled", token)
                    continue
                jobs.append(self._job(delivery, event, dst, token))
        return jobs

    def _job(self, delivery: Delivery, event: Event, dst: Destination, token: str) -> Job:
        secret, problem = None, None
        try:
            secret = self.vault.decrypt(dst.secret_sealed, dst.id)["secret"]
        except (VaultError, KeyError, TypeError):
            problem = "the destination's signing secret cannot be opened (master key missing?)"
        return Job(
            delivery_id=delivery.id,
            token=token,
            attempts=delivery.attempts,
            destination_id=dst.id,
            event_id=event.id,
            url=dst.url,
            message_id=message_id(event.id, dst.id),
            body=orjson.dumps(envelope(event)).decode(),
            secret=secret,
            problem=problem,
        )

    async def record(self, job: Job, outcome: Outcome) -> datetime | None:
        """Write what an attempt came to; returns when to try next (None when done). A claim
        that lapsed meanwhile (another replica took over) writes nothing."""
        stamp = now()
        async with self.sessions() as db, db.begin():
            delivery = await db.get(Delivery, job.delivery_id)
            if delivery is None or delivery.claimed_by != job.token:
                log.warning(
                    "delivery claim lapsed or destination deleted",
                    extra={"fields": _fields(job)},
                )
                return None
            if outcome.ok:
                self._succeed(delivery, outcome, stamp)
                await self._destination_ok(db, job.destination_id, stamp)
            else:
                self._fail(delivery, outcome, stamp)
                await self._destination_failed(db, delivery, outcome, stamp)
        level = logging.INFO if outcome.ok else logging.WARNING
        fields = {**_fields(job), "status": delivery.status, "http": outcome.status}
        log.log(level, "event delivery attempt", extra={"fields": fields})
        return delivery.next_attempt_at

    def _succeed(self, delivery: Delivery, outcome: Outcome, stamp: Any) -> None:
        delivery.status = DeliveryStatus.SUCCEEDED.value
        delivery.last_response_status, delivery.last_error = outcome.status, None
        delivery.delivered_at, delivery.next_attempt_at = stamp, None
        delivery.claimed_by = delivery.lease_until = None
        delivery.updated_at = stamp

    def _fail(self, delivery: Delivery, outcome: Outcome, stamp: Any) -> None:
        later = self.policy.next_attempt(
            delivery.attempts, delivery.give_up_at, outcome.retry_after, stamp
        )
        delivery.status = (DeliveryStatus.PENDING if later else DeliveryStatus.ABANDONED).value
        delivery.last_response_status, delivery.last_error = outcome.status, outcome.error
        delivery.next_attempt_at = later
        delivery.claimed_by = delivery.lease_until = None
        delivery.updated_at = stamp

    async def _destination_ok(self, db: AsyncSession, destination_id: str, stamp: Any) -> None:
        await db.execute(
            update(Destination)
            .where(Destination.id == destination_id)
            .values(failing_since=None, abandoned_streak=0, last_success_at=stamp)
            .execution_options(synchronize_session=False)
        )

    async def _destination_failed(
        self, db: AsyncSession, delivery: Delivery, outcome: Outcome, stamp: Any
    ) -> None:
        """Count the failure against the destination and disable it when it has failed for a
        whole retry window: every attempt failed for that long, or a delivery ran out its
        window with no delivery succeeding since it was queued; or when too many deliveries
        in a row were abandoned."""
        abandoned = delivery.status == DeliveryStatus.ABANDONED.value
        await db.execute(
            update(Destination)
            .where(Destination.id == delivery.destination_id)
            .values(
                failing_since=func.coalesce(Destination.failing_since, stamp),
                abandoned_streak=Destination.abandoned_streak + (1 if abandoned else 0),
            )
            .execution_options(synchronize_session=False)
        )
        too_long = [Destination.failing_since <= stamp - timedelta(seconds=self.policy.window)]
        if abandoned and stamp >= aware(delivery.give_up_at):
            too_long.append(
                or_(
                    Destination.last_success_at.is_(None),
                    Destination.last_success_at < delivery.created_at,
                )
            )
        disable = (
            update(Destination)
            .where(
                Destination.id == delivery.destination_id,
                Destination.status == DestinationStatus.ENABLED.value,
                or_(*too_long, Destination.abandoned_streak >= self.policy.disable_after),
            )
            .values(
                status=DestinationStatus.DISABLED.value,
                disabled_reason=_disabled_reason(self.policy, outcome),
                updated_at=stamp,
            )
            .returning(Destination.id)
            .execution_options(synchronize_session=False)
        )
        if (await db.execute(disable)).scalar_one_or_none() is not None:
            log.warning(
                "destination disabled after repeated failures",
                extra={"fields": {"destination": delivery.destination_id}},
            )
            await self._fail_pending(
                db, delivery.destination_id, "the destination was disabled after failing"
            )

    async def _fail_pending(
        self, db: AsyncSession, destination_id: str, why: str, token: str | None = None
    ) -> None:
        """Stop the destination's waiting deliveries (or, with ``token``, the ones that claim
        holds); attempts in flight elsewhere finish and stop at their next claim."""
        stamp = now()
        free: ColumnElement[bool] = or_(
            Delivery.lease_until.is_(None), Delivery.lease_until < stamp
        )
        held = Delivery.claimed_by == token if token is not None else free
        await db.execute(
            update(Delivery)
            .where(
                Delivery.destination_id == destination_id,
                Delivery.status == DeliveryStatus.PENDING.value,
                held,
            )
            .values(
                status=DeliveryStatus.FAILED.value,
                last_error=why,
                next_attempt_at=None,
                claimed_by=None,
                lease_until=None,
                updated_at=stamp,
            )
            .execution_options(synchronize_session=False)
        )


def _limited(caller: Caller) -> bool:
    """A key limited to some apps or connections (read-only alone limits nothing here)."""
    return caller.scope.apps is not None or caller.scope.connections is not None


def _of(caller: Caller) -> ColumnElement[bool]:
    return (Destination.account_id == caller.account_id) & (Destination.mode == caller.mode.value)


def _fields(job: Job) -> dict[str, Any]:
    """What a log line may say about an attempt: ids only, never the URL or the secret."""
    return {
        "delivery": job.delivery_id,
        "destination": job.destination_id,
        "event": job.event_id,
        "attempt": job.attempts,
    }


def _disabled_reason(policy: RetryPolicy, outcome: Outcome) -> str:
    hours = policy.window / 3600
    span = f"{hours:g} h" if hours >= 1 else f"{policy.window:g} s"
    return (
        f"disabled automatically: deliveries kept failing for {span} or {policy.disable_after} "
        f"deliveries in a row were abandoned (last error: {outcome.error or 'unknown'})"
    )[:500]


async def reseal_destinations(sessions: async_sessionmaker[AsyncSession], vault: Vault) -> int:
    """Rotation (``trunkline vault rotate``): every destination's signing secret under the
    primary key, one short transaction per row. Returns how many were re-encrypted."""
    async with sessions() as db:
        ids = list((await db.execute(select(Destination.id))).scalars())
    count = 0
    for dst_id in ids:
        async with sessions() as db, db.begin():
            dst = await db.get(Destination, dst_id, with_for_update=True)
            if dst is not None and vault.needs_rotation(dst.secret_sealed):
                dst.secret_sealed = vault.encrypt(vault.decrypt(dst.secret_sealed, dst.id), dst.id)
                count += 1
    return count
