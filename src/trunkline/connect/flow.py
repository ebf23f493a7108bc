"""What happens behind the connect page, free of HTTP: open a link, accept a pasted credential,
start and finish an OAuth2 sign-in. The page (``routes``) only renders these outcomes.

Rules: a link is found by its token's hash; it works until it expires or is spent (the
connection became ACTIVE through it). A rejected credential changes nothing. A failed OAuth2
sign-in (denied, state mismatch, replayed code, expired link) marks a connection that has no
working credential FAILED, with the reason; one that has a working credential (a reconnect)
keeps it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from trunkline import connections
from trunkline.catalogue import Provider
from trunkline.connect import oauth2
from trunkline.connect.oauth2 import OAuthApps, TokenRefused
from trunkline.connect.security import digest
from trunkline.connections import Context
from trunkline.errors import InvalidRequest, TrunklineError
from trunkline.gateway.upstream import verify
from trunkline.store import Account, AsyncSession, Connection
from trunkline.timeutil import now


class LinkProblem(Exception):
    """The link cannot be used: shown as a page with this status, title and message."""

    def __init__(self, status: int, title: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.hint = status, title, message, hint


@dataclass
class Link:
    conn: Connection
    provider: Provider
    account_name: str
    token: str


@dataclass
class Rejected(Exception):
    """A pasted credential that was not accepted; nothing was stored."""

    status: int
    reason: str | None = None
    field_errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


async def open_link(db: AsyncSession, ctx: Context, token: str) -> Link:
    if not token:
        raise LinkProblem(400, "This link is incomplete", "The address has no session token in it.")
    conn = await connections.by_session(db, token)
    if conn is None:
        raise LinkProblem(
            404,
            "This link is not valid",
            "It may have been copied incompletely or replaced by a newer link.",
            "Ask whoever sent it for a new one.",
        )
    provider = ctx.catalogue.get(conn.app)
    if provider is None:
        raise LinkProblem(404, "Unknown app", f"This server no longer knows the app {conn.app!r}.")
    if conn.session_used_at is not None:
        raise LinkProblem(
            410,
            "Already connected",
            f"This link was already used to connect {provider.name}; it works only once.",
            "To connect again, ask whoever sent it for a new link.",
        )
    if connections.session_expired(conn):
        raise LinkProblem(
            410,
            "This link has expired",
            "Connect links work for a limited time, and this one has run out.",
            "Ask whoever sent it for a new link (POST /connections/{id}/reconnect makes one).",
        )
    account = await db.get(Account, conn.account_id)
    return Link(conn, provider, account.name if account else "unknown", token)


def link_token(conn: Connection, ctx: Context) -> str | None:
    """The token of a connection's current link, if it can still be used."""
    if conn.session_sealed is None or conn.session_used_at or connections.session_expired(conn):
        return None
    return ctx.vault.decrypt(conn.session_sealed, conn.id)["token"]


async def submit_credentials(
    ctx: Context, link: Link, form: Mapping[str, str]
) -> dict[str, str] | None:
    """Check the fields, then the credential itself, live; store it only if both pass."""
    provider = link.provider
    values = {f.name: str(form.get(f.name, "")).strip() for f in provider.credentials}
    errors = {f.name: p for f in provider.credentials if (p := f.check(values[f.name]))}
    public = {f.name: values[f.name] for f in provider.credentials if not f.secret}
    if errors:
        raise Rejected(400, None, errors, public)
    try:
        identity = await connections.verify_credentials(ctx, provider, values)
    except TrunklineError as exc:
        reason = _scrub(exc.message, values)
        raise Rejected(
            400 if isinstance(exc, InvalidRequest) else 502, reason, {}, public
        ) from None
    return connections.replace_credential(link.conn, ctx, values, identity)


def _scrub(text: str, values: Mapping[str, str]) -> str:
    """A provider's reason must never echo a submitted value back into the page."""
    for value in values.values():
        if len(value) >= 4:
            text = text.replace(value, "•••")
    return text


def start_sign_in(ctx: Context, apps: OAuthApps, link: Link) -> tuple[str, str]:
    """The provider's authorization URL and the value of the browser-binding cookie."""
    state, verifier, nonce = oauth2.new_state(), oauth2.new_verifier(), secrets.token_urlsafe(24)
    redirect_uri = ctx.base_url + "/connect/callback"
    url = oauth2.authorization_url(apps, link.provider, redirect_uri, state, verifier)
    conn = link.conn
    conn.oauth_state_hash = digest(state)
    flow = {
        "state": state,
        "verifier": verifier,
        "browser": digest(nonce),
        "redirect": redirect_uri,
    }
    conn.oauth_flow = ctx.vault.encrypt(flow, conn.id)
    return url, f"{conn.id}.{nonce}"


@dataclass
class SignIn:
    """How a callback ended: ``failure`` is None on success."""

    conn: Connection
    provider: Provider
    account_name: str
    failure: str | None = None
    replaced: dict[str, str] | None = None
    already_done: bool = False


async def finish_sign_in(
    db: AsyncSession, ctx: Context, apps: OAuthApps, params: Mapping[str, str], cookie: str
) -> SignIn:
    state = params.get("state", "")
    cookie_conn, _, nonce = cookie.partition(".")
    conn = None
    if state:
        query = select(Connection).where(Connection.oauth_state_hash == digest(state))
        conn = (await db.execute(query)).scalar_one_or_none()
    by_state = conn is not None
    if conn is None and cookie_conn:
        conn = await db.get(Connection, cookie_conn)
    provider = ctx.catalogue.get(conn.app) if conn is not None else None
    if conn is None or provider is None:
        raise LinkProblem(
            400,
            "This sign-in does not match a connect link",
            "The answer from the provider carries no state this server issued.",
            "Open your connect link again and start over.",
        )
    account = await db.get(Account, conn.account_id)
    result = SignIn(conn, provider, account.name if account else "unknown")
    if conn.oauth_flow is None:
        result.already_done = True
        return result
    flow = ctx.vault.decrypt(conn.oauth_flow, conn.id)
    result.failure = _callback_problem(conn, provider, params, flow, by_state, cookie_conn, nonce)
    if result.failure is None:
        await _activate(ctx, apps, result, params["code"], flow)
    if result.failure is not None:
        _fail(conn, result.failure)
    return result


def _callback_problem(
    conn: Connection,
    provider: Provider,
    params: Mapping[str, str],
    flow: dict[str, str],
    by_state: bool,
    cookie_conn: str,
    nonce: str,
) -> str | None:
    if connections.session_expired(conn) or conn.session_used_at is not None:
        return "The connect link expired before the sign-in finished."
    if not by_state or cookie_conn != conn.id or digest(nonce) != flow["browser"]:
        return (
            "State mismatch: this sign-in answer does not belong to the sign-in started from "
            "this browser, so it was refused."
        )
    if params.get("error"):
        described = params.get("error_description") or "no reason given"
        return f"{provider.name} did not grant access ({params['error']}): {described}."
    if not params.get("code"):
        return f"{provider.name} sent no authorization code."
    return None


async def _activate(
    ctx: Context, apps: OAuthApps, result: SignIn, code: str, flow: dict[str, str]
) -> None:
    provider, conn = result.provider, result.conn
    try:
        tokens = await oauth2.exchange_code(
            ctx.http, apps, provider, code, flow["redirect"], flow["verifier"]
        )
    except TokenRefused as exc:
        result.failure = f"{provider.name} refused the authorization code ({exc})."
        return
    except TrunklineError as exc:
        result.failure = exc.message
        return
    try:
        verdict = await verify(ctx.http, provider, ctx.catalogue.upstream(provider.slug), tokens)
    except TrunklineError as exc:
        result.failure = exc.message
        return
    if not verdict.ok:
        result.failure = (
            f"{provider.name} issued tokens but the account check failed: {verdict.reason}"
        )
        return
    result.replaced = connections.replace_credential(conn, ctx, tokens, verdict.identity)


def _fail(conn: Connection, reason: str) -> None:
    conn.oauth_flow = None
    if conn.status != "ACTIVE":
        conn.status = "FAILED"
        conn.error = reason
        conn.updated_at = now()
