"""What happens behind the connect page, free of HTTP: open a link, accept a pasted credential,
start and finish an OAuth2 sign-in. The page only renders these outcomes.

Rules: a link is found by its token's hash; it works until it expires or is spent (the connection
became ACTIVE through it). A rejected credential changes nothing. An OAuth2 callback changes a
connection only when it carries the state this server issued *and* comes from the browser that
started the sign-in; a forged or stray callback is refused and changes nothing. A sign-in that
fails for real (denied, replayed code) marks a connection with no working credential FAILED, with
the reason; one with a working credential (a reconnect) keeps it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from trunkline.auth import oauth2
from trunkline.auth.oauth2 import OAuthTarget, TokenRefused
from trunkline.auth.verify import verify
from trunkline.catalogue import Provider
from trunkline.connections.service import (
    ConnectionService,
    link_expired,
    session_hash,
)
from trunkline.enums import Mode, Status
from trunkline.errors import InvalidRequest, TrunklineError
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

    @property
    def mode(self) -> Mode:
        return Mode(self.conn.mode or "live")


@dataclass
class Rejected(Exception):
    """A pasted credential that was not accepted; nothing was stored."""

    status: int
    reason: str | None = None
    field_errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


async def open_link(svc: ConnectionService, token: str) -> Link:
    async with svc.sessions() as db:
        return await _open(db, svc, token)


async def _open(db: AsyncSession, svc: ConnectionService, token: str) -> Link:
    if not token:
        raise LinkProblem(400, "This link is incomplete", "The address has no session token in it.")
    query = select(Connection).where(Connection.session_hash == session_hash(token))
    conn = (await db.execute(query)).scalar_one_or_none()
    if conn is None:
        raise LinkProblem(
            404,
            "This link is not valid",
            "It may have been copied incompletely or replaced by a newer link.",
            "Ask whoever sent it for a new one.",
        )
    provider = svc.catalogue.get(conn.app)
    if provider is None:
        raise LinkProblem(404, "Unknown app", f"This server no longer knows the app {conn.app!r}.")
    if conn.session_used_at is not None:
        raise LinkProblem(
            410,
            "Already connected",
            f"This link was already used to connect {provider.name}; it works only once.",
            "To connect again, ask whoever sent it for a new link.",
        )
    if link_expired(conn):
        raise LinkProblem(
            410,
            "This link has expired",
            "Connect links work for a limited time, and this one has run out.",
            "Ask whoever sent it for a new link (POST /connections/{id}/reconnect makes one).",
        )
    account = await db.get(Account, conn.account_id)
    return Link(conn, provider, account.name if account else "unknown", token)


def link_token(svc: ConnectionService, conn: Connection) -> str | None:
    """The token of a connection's current link, if it can still be used."""
    if conn.session_sealed is None or conn.session_used_at or link_expired(conn):
        return None
    token: str = svc.vault.decrypt(conn.session_sealed, conn.id)["token"]
    return token


async def submit_credentials(svc: ConnectionService, link: Link, form: Mapping[str, str]) -> None:
    """Check the fields, then the credential itself, live; store it only if both pass."""
    provider = link.provider
    values = {f.name: str(form.get(f.name, "")).strip() for f in provider.credentials}
    errors = {f.name: p for f in provider.credentials if (p := f.check(values[f.name]))}
    public = {f.name: values[f.name] for f in provider.credentials if not f.secret}
    if errors:
        raise Rejected(400, None, errors, public)
    try:
        identity = await svc.verify(provider, link.mode, values)
    except TrunklineError as exc:
        reason = scrub(exc.message, values)
        raise Rejected(
            400 if isinstance(exc, InvalidRequest) else 502, reason, {}, public
        ) from None
    async with svc.sessions() as db, db.begin():
        current = await _open(db, svc, link.token)  # still valid after the (slow) check?
        replaced = svc._replace(current.conn, values, identity)
        link.conn = current.conn
    svc.changed(link.conn.account_id)
    await svc.revoke_upstream(link.conn, replaced, "reconnected")
    await svc._run_hooks(svc.activated, link.conn)


def scrub(text: str, values: Mapping[str, str]) -> str:
    """A provider's reason must never echo a submitted value back into the page, in any case,
    whole or in part (a provider may truncate or re-case what it echoes)."""
    for value in values.values():
        if len(value) < 4:
            continue
        lowered = text.lower()
        for piece in {value, value[: max(8, len(value) // 2)], value[-max(8, len(value) // 2) :]}:
            if len(piece) < 4:
                continue
            start = lowered.find(piece.lower())
            while start != -1:
                text = text[:start] + "•••" + text[start + len(piece) :]
                lowered = text.lower()
                start = lowered.find(piece.lower())
    return text


async def start_sign_in(svc: ConnectionService, link: Link) -> tuple[str, str]:
    """The provider's authorization URL and the value of the browser-binding cookie."""
    state, verifier, nonce = oauth2.new_state(), oauth2.new_verifier(), secrets.token_urlsafe(24)
    redirect_uri = svc.base_url + "/connect/callback"
    url = oauth2.authorization_url(
        svc.oauth, link.provider, link.mode, redirect_uri, state, verifier
    )
    async with svc.sessions() as db, db.begin():
        conn = (await _open(db, svc, link.token)).conn
        conn.oauth_state_hash = digest(state)
        flow = {"state": state, "verifier": verifier, "browser": digest(nonce)}
        flow["redirect"] = redirect_uri
        conn.oauth_flow = svc.vault.encrypt(flow, conn.id)
    return url, f"{conn.id}.{nonce}"


@dataclass
class SignIn:
    """How a callback ended: ``failure`` is None on success."""

    conn: Connection
    provider: Provider
    account_name: str
    failure: str | None = None
    already_done: bool = False


NO_MATCH = LinkProblem(
    400,
    "This sign-in does not match a connect link",
    "The answer from the provider carries no sign-in this browser started, so it was ignored. "
    "Nothing was changed.",
    "Open your connect link again and start over.",
)


async def finish_sign_in(svc: ConnectionService, params: Mapping[str, str], cookie: str) -> SignIn:
    state = params.get("state", "")
    cookie_conn, _, nonce = cookie.partition(".")
    async with svc.sessions() as db:
        conn = None
        if state:
            query = select(Connection).where(Connection.oauth_state_hash == digest(state))
            conn = (await db.execute(query)).scalar_one_or_none()
        provider = svc.catalogue.get(conn.app) if conn is not None else None
        if conn is None or provider is None:
            raise NO_MATCH
        account = await db.get(Account, conn.account_id)
        if conn.oauth_flow is None:  # this sign-in already ended: a replayed callback
            return SignIn(conn, provider, account.name if account else "unknown", None, True)
        flow = svc.vault.decrypt(conn.oauth_flow, conn.id)
        if cookie_conn != conn.id or not hmac.compare_digest(digest(nonce), flow["browser"]):
            raise NO_MATCH  # another browser (or a forged cookie): refuse, change nothing
    result = SignIn(conn, provider, account.name if account else "unknown")
    result.failure = _callback_problem(conn, provider, params)
    tokens: dict[str, str] | None = None
    identity: dict[str, object] = {}
    if result.failure is None:
        tokens, identity = await _exchange(svc, result, params["code"], flow)
    async with svc.sessions() as db, db.begin():
        row = await db.get(Connection, conn.id, with_for_update=True)
        if row is None or row.oauth_flow is None or row.oauth_state_hash != digest(state):
            raise NO_MATCH  # finished or restarted meanwhile by the same browser
        replaced = None
        if result.failure is None and tokens is not None:
            replaced = svc._replace(row, tokens, identity)
        else:
            _fail(row, result.failure or "sign-in failed")
        result.conn = row
    svc.changed(row.account_id)
    if result.failure is None:
        await svc.revoke_upstream(row, replaced, "reconnected")
        await svc._run_hooks(svc.activated, row)
    return result


def _callback_problem(
    conn: Connection, provider: Provider, params: Mapping[str, str]
) -> str | None:
    if link_expired(conn) or conn.session_used_at is not None:
        return "The connect link expired before the sign-in finished."
    if params.get("error"):
        described = params.get("error_description") or "no reason given"
        return f"{provider.name} did not grant access ({params['error']}): {described}."
    if not params.get("code"):
        return f"{provider.name} sent no authorization code."
    return None


async def _exchange(
    svc: ConnectionService, result: SignIn, code: str, flow: dict[str, str]
) -> tuple[dict[str, str] | None, dict[str, object]]:
    provider, mode = result.provider, Mode(result.conn.mode or "live")
    target = OAuthTarget(svc.upstream, svc.oauth, provider, mode)
    try:
        tokens = await oauth2.exchange_code(target, code, flow["redirect"], flow["verifier"])
        verdict = await verify(
            svc.upstream, provider, svc.catalogue.upstream(provider.slug, mode), tokens
        )
    except TokenRefused as exc:
        result.failure = f"{provider.name} refused the authorization code ({exc})."
        return None, {}
    except TrunklineError as exc:
        result.failure = exc.message
        return None, {}
    if not verdict.ok:
        result.failure = (
            f"{provider.name} issued tokens but the account check failed: {verdict.reason}"
        )
        return None, {}
    return tokens, verdict.identity


def _fail(conn: Connection, reason: str) -> None:
    conn.oauth_flow = None  # the state hash stays: a replay of this callback says "already done"
    if conn.status != Status.ACTIVE.value:
        conn.status = Status.FAILED.value
        conn.error = reason
        conn.updated_at = now()
