"""From a provider's POST to a stored event: find the connection by its ingress token, verify the
delivery with the provider's scheme (declared in the catalogue) and the secrets the connection
holds, normalise it, store it once (retries of one delivery are one event).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from trunkline.catalogue import Catalogue
from trunkline.connections import ConnectionService
from trunkline.errors import NotFound, TrunklineError, Unauthorized
from trunkline.events import schemes
from trunkline.events.inbox import EventService, Source
from trunkline.events.normalise import normalise as normalise_payload
from trunkline.events.subscriptions import SubscriptionService
from trunkline.store import Connection

log = logging.getLogger("trunkline.events")
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Delivery:
    app: str
    token: str
    method: str
    url: str  # the public URL the provider called
    headers: dict[str, str]  # names lowercased
    body: bytes
    hint: str | None = None  # which of the provider's hooks this URL was registered for


@dataclass
class Outcome:
    event_id: str | None = None
    duplicate: bool = False
    echo_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Counters:
    """Refusals by reason, for metrics."""

    accepted: int = 0
    duplicates: int = 0
    refused: dict[str, int] = field(default_factory=dict)

    def refuse(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1


class Ingest:
    def __init__(
        self,
        catalogue: Catalogue,
        connections: ConnectionService,
        subscriptions: SubscriptionService,
        inbox: EventService,
    ) -> None:
        self.catalogue = catalogue
        self.connections = connections
        self.subscriptions = subscriptions
        self.inbox = inbox
        self.counters = Counters()
        # ingress token -> (expires, connection, credential, subscription secrets): a burst of
        # deliveries costs one write each, not three queries. Any change to the account's
        # connections or subscriptions drops its entries.
        self._known: dict[tuple[str, str], tuple[float, Connection, dict[str, str], list[str]]]
        self._known = {}
        connections.on_change(self._forget)

    def _forget(self, account_id: str) -> None:
        for key in [k for k, v in self._known.items() if v[1].account_id == account_id]:
            self._known.pop(key, None)

    async def _connection(
        self, app: str, token: str
    ) -> tuple[Connection, dict[str, str], list[str]] | None:
        key = (app, token)
        known = self._known.get(key)
        if known is not None and known[0] > time.monotonic():
            return known[1], known[2], known[3]
        found = await self.connections.by_ingress(app, token)
        if found is None:
            return None
        conn, credentials = found
        secrets = await self.subscriptions.secrets_for(conn.id)
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[key] = (time.monotonic() + CACHE_SECONDS, conn, credentials, secrets)
        return conn, credentials, secrets

    async def receive(self, delivery: Delivery) -> Outcome:
        try:
            return await self._receive(delivery)
        except TrunklineError as exc:
            self.counters.refuse(exc.wire_code)
            raise

    async def _receive(self, delivery: Delivery) -> Outcome:
        provider = self.catalogue.get(delivery.app)
        found = await self._connection(delivery.app, delivery.token)
        if provider is None or found is None or provider.webhooks is None:
            raise NotFound("no such webhook endpoint", code="ingress_not_found")
        conn, credentials, subscription_secrets = found
        handshake = schemes.handshake(provider.webhooks, delivery.headers)
        if handshake:
            return Outcome(echo_headers=handshake)
        scheme = schemes.select(provider.webhooks, delivery.headers)
        field_name = scheme.credential_field
        if field_name is not None:
            secrets = [credentials[field_name]] if credentials.get(field_name) else []
        else:
            secrets = subscription_secrets
        if not secrets:
            raise Unauthorized(
                "this connection holds no webhook secret yet: create a subscription first"
            )
        verified = schemes.verify(
            provider.webhooks,
            method=delivery.method,
            url=delivery.url,
            headers=delivery.headers,
            body=delivery.body,
            secret=secrets,
            now=datetime.now(UTC),
        )
        result = normalise_payload(
            delivery.app, verified.payload, headers=delivery.headers, hint=delivery.hint
        )
        source = Source(conn.account_id, conn.id, conn.mode or "live", conn.app)
        dedupe = verified.delivery_id or result.delivery_id_fallback
        if delivery.hint:  # one body sent to several hooks (CallRail) is one event per hook
            dedupe = f"{delivery.hint[:40]}:{dedupe}"
        event, new = await self.inbox.record(
            source,
            type_=result.type,
            dedupe_key=dedupe,
            occurred_at=result.occurred_at,
            data=result.data,
            raw=verified.payload,
        )
        if new:
            self.counters.accepted += 1
        else:
            self.counters.duplicates += 1
        return Outcome(event_id=event.id, duplicate=not new)
