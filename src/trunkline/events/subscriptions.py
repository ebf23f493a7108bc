"""Subscriptions: trunkline's ingress URL registered with a provider for one connection, and
removed again. The only writer of the ``subscriptions`` table.

Each provider registers webhooks its own way, so each has a small recipe (register, unregister)
here; what the recipe made at the provider is kept in ``remote`` so removal undoes exactly that:
Quo v1 webhooks per family, a CallRail Webhooks integration per company (an existing one is
extended, and restored on removal), Twilio ``SmsUrl``/``StatusCallback`` on the numbers the user
names (a URL the customer set is never overwritten unless ``replace`` is asked, and the old value
comes back on removal). The signing secrets a provider hands back are sealed by the vault.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline.accounts import Caller
from trunkline.auth.strategies import upstream_headers
from trunkline.catalogue import Catalogue
from trunkline.connections import ConnectionService
from trunkline.enums import Mode
from trunkline.errors import Conflict, InvalidRequest, NotFound, Throttled, UpstreamUnavailable
from trunkline.store import Connection, Subscription
from trunkline.throttle import Throttle, throttle_key
from trunkline.timeutil import now, rfc3339
from trunkline.transport import Upstream
from trunkline.vault import Vault, VaultError

log = logging.getLogger("trunkline.events")

QUO_FAMILIES = {
    "messages": ("message.received", "message.delivered"),
    "calls": ("call.completed", "call.ringing", "call.recording.completed"),
    "call-summaries": ("call.summary.completed",),
    "call-transcripts": ("call.transcript.completed",),
}
# Event type -> CallRail webhook. CallRail sends one call body to several hooks, so each hook
# gets its own URL (``?hook=``) and the normaliser is told which one it was.
CALLRAIL_HOOKS = {
    "call.ringing": "pre_call_webhook",
    "call.answered": "answered_call_webhook",
    "call.completed": "post_call_webhook",
    "call.missed": "post_call_webhook",
    "callrail.call.updated": "updated_call_webhook",
    "message.received": "sms_received_webhook",
    "message.sent": "sms_sent_webhook",
    "callrail.form.submitted": "form_captured_webhook",
}


@dataclass
class Request:
    """What a caller asked to be told about."""

    events: list[str]
    numbers: list[str] = field(default_factory=list)  # Twilio: which incoming numbers
    replace: bool = False  # Twilio: overwrite URLs the customer set
    api: str | None = None  # Quo: "2026-03-30" for the dated API's webhooks (Standard Webhooks)


@dataclass
class Made:
    remote: dict[str, Any]
    secrets: dict[str, str]


class ProviderApi:
    """Calls a provider's own API as one connection, through the same upstream as the gateway."""

    def __init__(
        self,
        upstream: Upstream,
        catalogue: Catalogue,
        conn: Connection,
        creds: dict[str, str],
        throttle: Throttle | None = None,
    ) -> None:
        self.upstream = upstream
        self.throttle = throttle
        self.provider = catalogue.providers[conn.app]
        # The provider's limits hold for these calls too: they share the credential's budget.
        self.throttle_key = throttle_key(conn.id, self.provider, creds)
        self.routes = catalogue.route_table(conn.app, Mode(conn.mode or "live"))
        self.retry_after = 1.0  # of the last answer
        self.headers = [
            (k.lower().encode(), v.encode("latin-1"))
            for k, v in upstream_headers(self.provider, creds).items()
        ]

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        form: dict[str, str] | None = None,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> tuple[int, Any]:
        headers = [*self.headers, (b"accept", b"application/json"), *(extra or [])]
        body = None
        if json is not None:
            body = orjson.dumps(json)
            headers.append((b"content-type", b"application/json"))
        elif form is not None:
            body = urlencode(form).encode()
            headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        if self.throttle is not None:
            await self.throttle.acquire(self.throttle_key, self.provider.limits)
        try:
            url = self.routes.base(path) + path
            async with self.upstream.request(method, url, headers, body, timeout=30) as response:
                raw = await response.read()
                status = response.status
                self.retry_after = _retry_after(response.headers)
        except (OSError, TimeoutError) as exc:
            raise UpstreamUnavailable(
                f"could not reach {self.provider.name} to manage webhooks: {type(exc).__name__}"
            ) from exc
        try:
            data = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            data = None
        return status, data

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        status, data = await self.call(method, path, **kwargs)
        if status == 429:  # the provider's rate limit: the caller may simply retry later
            raise Throttled(
                f"{self.provider.name} is rate limiting webhook changes; retry later",
                retry_after=self.retry_after,
                code="subscription_rate_limited",
            )
        if status >= 400:
            reason = data.get("message") if isinstance(data, dict) else None
            raise UpstreamUnavailable(
                f"{self.provider.name} refused {method} {path.split('?')[0]}: "
                f"{reason or f'HTTP {status}'}",
                code="subscription_refused",
            )
        return data


Recipe = tuple[
    Callable[[ProviderApi, str, Request, dict[str, str]], Awaitable[Made]],
    Callable[[ProviderApi, dict[str, Any]], Awaitable[None]],
]


# -- Quo: one webhook per family (v1), each with its own signing key -------------------------


QUO_DATED = "2026-03-30"
QUO_DATED_HEADERS = [(b"quo-api-version", QUO_DATED.encode())]


async def _quo_register(api: ProviderApi, url: str, req: Request, creds: dict[str, str]) -> Made:
    if req.api == QUO_DATED:
        return await _quo_dated_register(api, url, req)
    if req.api not in (None, "v1"):
        raise InvalidRequest(f'Quo webhooks: api is "v1" (default) or "{QUO_DATED}"')
    made: dict[str, str] = {}
    keys: dict[str, str] = {}
    for family, kinds in QUO_FAMILIES.items():
        wanted = [k for k in kinds if _wanted(req.events, k)]
        if not wanted:
            continue
        body = {"url": url, "events": wanted, "label": "trunkline", "resourceIds": ["*"]}
        data = await api.ok("POST", f"/v1/webhooks/{family}", json=body)
        hook = data.get("data", data) if isinstance(data, dict) else {}
        made[family] = str(hook.get("id"))
        if hook.get("key"):
            keys[str(hook.get("id"))] = str(hook["key"])
    return Made({"webhooks": made}, keys)


async def _quo_dated_register(api: ProviderApi, url: str, req: Request) -> Made:
    """One webhook on the dated API, its events named by the caller (Quo's own names), signed
    with Standard Webhooks; its ``whsec_`` secret is the subscription's."""
    events = [e for e in req.events if not e.endswith("*")]
    if not events:
        raise InvalidRequest(
            "dated-API webhooks need their events named, e.g. "
            '{"api": "2026-03-30", "events": ["message.received", "call.completed"]}'
        )
    body = {"url": url, "events": events, "label": "trunkline"}
    data = await api.ok("POST", "/webhooks", json=body, extra=QUO_DATED_HEADERS)
    hook = data.get("data", data) if isinstance(data, dict) else {}
    secret = hook.get("secret") or hook.get("key")
    return Made({"dated_webhook": str(hook.get("id"))}, {"dated": str(secret)} if secret else {})


async def _quo_unregister(api: ProviderApi, remote: dict[str, Any]) -> None:
    if remote.get("dated_webhook"):
        hook_id = remote["dated_webhook"]
        status, _ = await api.call("DELETE", f"/webhooks/{hook_id}", extra=QUO_DATED_HEADERS)
        if status >= 400 and status != 404:
            raise UpstreamUnavailable(f"Quo refused to delete webhook {hook_id} (HTTP {status})")
    for hook_id in remote.get("webhooks", {}).values():
        status, _ = await api.call("DELETE", f"/v1/webhooks/{hook_id}")
        if status >= 400 and status != 404:
            raise UpstreamUnavailable(f"Quo refused to delete webhook {hook_id} (HTTP {status})")


# -- CallRail: a Webhooks integration per company; an existing one is extended ----------------


async def _callrail_register(
    api: ProviderApi, url: str, req: Request, creds: dict[str, str]
) -> Made:
    accounts = await api.ok("GET", "/v3/a.json")
    account_id = str((accounts.get("accounts") or [{}])[0].get("id"))
    companies = await api.ok("GET", f"/v3/a/{account_id}/companies.json?per_page=250")
    hooks = sorted({CALLRAIL_HOOKS[e] for e in CALLRAIL_HOOKS if _wanted(req.events, e)})
    made: dict[str, Any] = {"account_id": account_id, "companies": {}}
    keys: dict[str, str] = {}
    for company in companies.get("companies", []):
        company_id = str(company["id"])
        listing = await api.ok(
            "GET", f"/v3/a/{account_id}/integrations.json?company_id={company_id}"
        )
        existing = next(
            (i for i in listing.get("integrations", []) if i.get("type") == "Webhooks"), None
        )
        ours = {hook: f"{url}?hook={hook.removesuffix('_webhook')}" for hook in hooks}
        if existing is None:
            config = {hook: [ours[hook]] for hook in hooks}
            data = await api.ok(
                "POST",
                f"/v3/a/{account_id}/integrations.json",
                json={"company_id": company_id, "type": "Webhooks", "config": config},
            )
            entry = {"integration_id": data["id"], "previous": None}
        else:
            previous = existing.get("config") or {}
            config = {k: list(v) for k, v in previous.items()}
            for hook in hooks:
                kept = [u for u in config.get(hook, []) if not u.startswith(url)]
                config[hook] = [*kept, ours[hook]]
            data = await api.ok(
                "PUT",
                f"/v3/a/{account_id}/integrations/{existing['id']}.json",
                json={"config": config, "state": "active"},
            )
            entry = {"integration_id": existing["id"], "previous": previous}
        keyed = await api.ok(
            "GET",
            f"/v3/a/{account_id}/integrations/{entry['integration_id']}.json?fields=signing_key",
        )
        if isinstance(keyed, dict) and keyed.get("signing_key"):
            keys[company_id] = str(keyed["signing_key"])
        made["companies"][company_id] = entry
    return Made(made, keys)


async def _callrail_unregister(api: ProviderApi, remote: dict[str, Any]) -> None:
    account_id = remote.get("account_id")
    for entry in remote.get("companies", {}).values():
        path = f"/v3/a/{account_id}/integrations/{entry['integration_id']}.json"
        if entry.get("previous") is None:
            await api.call("DELETE", path)
        else:
            await api.ok("PUT", path, json={"config": entry["previous"]})


# -- Twilio: SmsUrl / StatusCallback on chosen numbers; the old values come back on removal ---


async def _twilio_register(api: ProviderApi, url: str, req: Request, creds: dict[str, str]) -> Made:
    sid = creds.get("account_sid", "")
    if not req.numbers:
        raise InvalidRequest(
            'Twilio webhooks are set per number: name them, e.g. {"numbers": ["+14155550100"]}'
        )
    listing = await api.ok("GET", f"/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json")
    owned = {n["phone_number"]: n for n in listing.get("incoming_phone_numbers", [])}
    missing = [n for n in req.numbers if n not in owned]
    if missing:
        raise NotFound(f"no such incoming numbers on this account: {missing}", code="not_found")
    sms = any(_wanted(req.events, e) for e in ("message.received", "message.*"))
    voice = any(_wanted(req.events, e) for e in ("call.ringing", "call.completed", "call.missed"))
    fields = (["SmsUrl"] if sms else []) + (["StatusCallback"] if voice else [])
    taken = [
        number
        for number in req.numbers
        for name in fields
        if owned[number].get(_snake(name)) and owned[number].get(_snake(name)) != url
    ]
    if taken and not req.replace:
        raise Conflict(
            f"these numbers already send webhooks elsewhere: {sorted(set(taken))}; "
            'send "replace": true to take them over (the old URLs come back on removal)',
            code="webhook_url_taken",
        )
    made: dict[str, Any] = {"account_sid": sid, "numbers": {}}
    for number in req.numbers:
        record = owned[number]
        previous = {name: record.get(_snake(name)) or "" for name in fields}
        form = {name: url for name in fields}
        if "SmsUrl" in form:
            form["SmsMethod"] = "POST"
        if "StatusCallback" in form:
            form["StatusCallbackMethod"] = "POST"
        await api.ok(
            "POST",
            f"/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/{record['sid']}.json",
            form=form,
        )
        made["numbers"][number] = {"sid": record["sid"], "previous": previous}
    return Made(made, {})


async def _twilio_unregister(api: ProviderApi, remote: dict[str, Any]) -> None:
    sid = remote.get("account_sid")
    for entry in remote.get("numbers", {}).values():
        await api.ok(
            "POST",
            f"/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/{entry['sid']}.json",
            form=entry["previous"],
        )


def _snake(name: str) -> str:
    return {"SmsUrl": "sms_url", "StatusCallback": "status_callback"}[name]


def _wanted(requested: list[str], event_type: str) -> bool:
    if not requested:
        return True
    for pattern in requested:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
        if event_type.endswith(".*") and pattern.startswith(event_type[:-1]):
            return True
    return False


RECIPES: dict[str, Recipe] = {
    "quo": (_quo_register, _quo_unregister),
    "callrail": (_callrail_register, _callrail_unregister),
    "twilio": (_twilio_register, _twilio_unregister),
}


class SubscriptionService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        vault: Vault,
        upstream: Upstream,
        connections: ConnectionService,
        throttle: Throttle | None = None,
    ) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self.vault = vault
        self.upstream = upstream
        self.connections = connections
        self.throttle = throttle

    async def create(self, caller: Caller, connection_id: str, req: Request) -> Subscription:
        conn = await self.connections.get(caller, connection_id)
        if conn.app not in RECIPES:
            raise InvalidRequest(
                f"trunkline cannot register webhooks with {conn.app} yet",
                code="subscriptions_unsupported",
            )
        url = await self.connections.ingress(caller, conn.id)
        usable = await self.connections.for_gateway(caller, conn.app, conn.id)
        return await self._register(conn, usable.credentials, url, req)

    async def _register(
        self, conn: Connection, creds: dict[str, str], url: str, req: Request
    ) -> Subscription:
        api = ProviderApi(self.upstream, self.catalogue, conn, creds, self.throttle)
        register, _ = RECIPES[conn.app]
        made = await register(api, url, req, creds)
        row = Subscription(
            id="sub_" + secrets.token_hex(12),
            connection_id=conn.id,
            account_id=conn.account_id,
            app=conn.app,
            events=list(req.events),
            remote=made.remote,
            secret_sealed=None,
            created_at=now(),
        )
        if made.secrets:
            row.secret_sealed = self.vault.encrypt(made.secrets, row.id)
        async with self.sessions() as db, db.begin():
            db.add(row)
        self.connections.changed(conn.account_id)  # the ingress caches its secrets
        log.info(
            "subscribed",
            extra={"fields": {"connection": conn.id, "app": conn.app, "subscription": row.id}},
        )
        return row

    async def listing(self, caller: Caller, connection_id: str) -> list[Subscription]:
        conn = await self.connections.get(caller, connection_id)
        async with self.sessions() as db:
            query = select(Subscription).where(Subscription.connection_id == conn.id)
            return list((await db.execute(query.order_by(Subscription.created_at))).scalars())

    async def delete(self, caller: Caller, connection_id: str, subscription_id: str) -> None:
        conn = await self.connections.get(caller, connection_id)
        async with self.sessions() as db:
            row = await db.get(Subscription, subscription_id[:40])
        if row is None or row.connection_id != conn.id:
            raise NotFound(f"subscription {subscription_id[:64]} not found", code="not_found")
        usable = await self.connections.for_gateway(caller, conn.app, conn.id)
        await self._unregister(conn, usable.credentials, row)

    async def _unregister(self, conn: Connection, creds: dict[str, str], row: Subscription) -> None:
        api = ProviderApi(self.upstream, self.catalogue, conn, creds, self.throttle)
        _, unregister = RECIPES[conn.app]
        await unregister(api, row.remote)
        async with self.sessions() as db, db.begin():
            found = await db.get(Subscription, row.id)
            if found is not None:
                await db.delete(found)
        self.connections.changed(conn.account_id)

    async def remove_all(self, conn: Connection, creds: dict[str, str]) -> None:
        """Before a connection is deleted: undo every subscription at the provider (best
        effort: the connection goes either way, and a failure is logged)."""
        async with self.sessions() as db:
            query = select(Subscription).where(Subscription.connection_id == conn.id)
            rows = list((await db.execute(query)).scalars())
        for row in rows:
            try:
                await self._unregister(conn, creds, row)
            except Exception as exc:
                log.warning(
                    "could not remove a subscription at the provider",
                    extra={"fields": {"subscription": row.id, "why": type(exc).__name__}},
                )

    async def secrets_for(self, connection_id: str) -> list[str]:
        """Every signing secret the provider gave for this connection's subscriptions."""
        async with self.sessions() as db:
            query = select(Subscription).where(Subscription.connection_id == connection_id)
            rows = list((await db.execute(query)).scalars())
        found: list[str] = []
        for row in rows:
            if row.secret_sealed:
                try:
                    found.extend(self.vault.decrypt(row.secret_sealed, row.id).values())
                except VaultError:
                    continue
        return found

    async def subscribe_sandbox(
        self, conn: Connection, creds: dict[str, str], mode: Mode = Mode.TEST
    ) -> None:
        """Subscribe a connection to everything once, automatically (sandbox connections
        always; live ones when the operator asks for it). Twilio needs numbers named: skipped."""
        if conn.app not in RECIPES or conn.app == "twilio":
            return
        async with self.sessions() as db:
            query = select(Subscription.id).where(Subscription.connection_id == conn.id)
            if (await db.execute(query)).first() is not None:
                return
        caller = Caller(conn.account_id, "", mode)
        url = await self.connections.ingress(caller, conn.id)
        await self._register(conn, creds, url, Request(events=[]))


def _retry_after(headers: list[tuple[bytes, bytes]]) -> float:
    """The provider's Retry-After in seconds (a second when absent or a date)."""
    for name, value in headers:
        if name == b"retry-after" and value.strip().isdigit():
            return float(value)
    return 1.0


def wire(row: Subscription, ingress_url: str | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": row.id,
        "connection_id": row.connection_id,
        "app": row.app,
        "events": row.events,
        "remote": row.remote,
        "created_at": rfc3339(row.created_at),
    }
    if ingress_url:
        shown["ingress_url"] = ingress_url
    return shown


async def reseal_subscriptions(sessions: async_sessionmaker[AsyncSession], vault: Vault) -> int:
    """Rotation (``trunkline vault rotate``): every provider signing secret under the primary
    key, one short transaction per row. Returns how many were re-encrypted."""
    async with sessions() as db:
        ids = list((await db.execute(select(Subscription.id))).scalars())
    count = 0
    for sub_id in ids:
        async with sessions() as db, db.begin():
            row = await db.get(Subscription, sub_id, with_for_update=True)
            if row is not None and row.secret_sealed and vault.needs_rotation(row.secret_sealed):
                row.secret_sealed = vault.encrypt(vault.decrypt(row.secret_sealed, row.id), row.id)
                count += 1
    return count
