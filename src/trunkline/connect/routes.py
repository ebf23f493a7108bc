"""The connect page: ``GET /connect?session_token=…`` and what its forms post to.

====================================  ===========================================================
``GET  /connect``                     the page: app, asking account, what is stored, the form
``POST /connect``                     a pasted credential: checked live, stored only if accepted
``POST /connect/authorize``           OAuth2: start the sign-in (303 to the provider)
``GET  /connect/callback``            OAuth2: the provider sends the browser back here
``GET  /connect/static/connect.css``  the one stylesheet
====================================  ===========================================================

Server-rendered, no scripts. Problems are pages with a clear message, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from trunkline.catalogue import OAuth2Auth, Provider
from trunkline.connect import flow, security
from trunkline.connect.flow import Link, LinkProblem, Rejected
from trunkline.connect.oauth2 import OAuthApps
from trunkline.connect.pages import problem, render
from trunkline.connect.revocation import revoke_quietly
from trunkline.connections import DEAD_CREDENTIALS, Context, session_hash
from trunkline.errors import TrunklineError
from trunkline.store import AsyncSession
from trunkline.timeutil import aware, now

log = logging.getLogger("trunkline.connect")
Endpoint = Callable[[Request], Awaitable[Response]]


def _root(ctx: Context) -> str:
    return urlsplit(ctx.base_url).path.rstrip("/")


def _apps(request: Request) -> OAuthApps:
    apps: OAuthApps = request.app.state.oauth
    return apps


def pages(handler: Endpoint) -> Endpoint:
    """Any error becomes a page (with the error's status), never JSON or a traceback."""

    async def run(request: Request) -> Response:
        root = _root(request.app.state.services.ctx)
        try:
            return await handler(request)
        except LinkProblem as exc:
            return problem(exc.status, exc.title, exc.message, root, exc.hint)
        except TrunklineError as exc:
            return problem(exc.status, "Something went wrong", exc.message, root)
        except Exception:
            log.exception("connect page failed")
            return problem(500, "Something went wrong", "An internal error occurred.", root)

    return run


def _stored(link: Link, ctx: Context) -> list[str]:
    provider = link.provider
    upstream = ctx.catalogue.upstream(provider.slug)
    host = urlsplit(upstream).netloc
    if upstream.startswith(ctx.base_url + "/sandbox/"):
        host = "this server's offline sandbox"
    sealed = "encrypted with AES-256-GCM in this trunkline server's database"
    if isinstance(provider.auth, OAuth2Auth):
        return [
            f"An access token and a refresh token that {provider.name} issues after you sign in, "
            f"{sealed}.",
            f"Permissions asked for: {', '.join(provider.auth.scopes) or 'the defaults'}.",
            "trunkline refreshes the access token by itself, and revokes both tokens at "
            f"{provider.name} when the connection is deleted.",
            "The account details found at sign-in (account, extension, name), as the "
            "connection's metadata.",
        ]
    titles = " and ".join(f.title for f in provider.credentials)
    return [
        f"Your {titles}, {sealed}. It is sent only to {host}, on requests made through "
        "this connection.",
        "The account details found when it is checked (workspace, phone numbers, account "
        "name or SID), as the connection's metadata, so connections can be told apart.",
        "Nothing at all, if the check fails.",
    ]


def _notice(link: Link) -> str | None:
    conn = link.conn
    if conn.status == "ACTIVE":
        return (
            "This connection works today; its current credential keeps working until the new "
            "one is verified."
        )
    if conn.status == "FAILED" and conn.error == DEAD_CREDENTIALS:
        return (
            f"The stored {link.provider.name} credential stopped working. Connect again to "
            "restore this connection."
        )
    if conn.status == "FAILED" and conn.error:
        return f"The last attempt failed: {conn.error}"
    return None


def _fields(provider: Provider, rejected: Rejected | None) -> list[dict[str, Any]]:
    errors = rejected.field_errors if rejected else {}
    values = rejected.values if rejected else {}
    return [
        {
            "name": f.name,
            "title": f.title,
            "help": f.help,
            "secret": f.secret,
            "pattern": (f.pattern or "").removeprefix("^").removesuffix("$") or None,
            "rule": f"{f.title} in the format {provider.name} uses",
            "value": "" if f.secret else values.get(f.name, ""),
            "error": errors.get(f.name),
        }
        for f in provider.credentials
    ]


def _form_page(
    request: Request, link: Link, nonce: str, status: int = 200, rejected: Rejected | None = None
) -> Response:
    ctx: Context = request.app.state.services.ctx
    provider = link.provider
    targets: tuple[str, ...] = ()
    if isinstance(provider.auth, OAuth2Auth):
        authorize = _apps(request).url(provider, provider.auth.authorize_url) or ""
        targets = (security.origin(authorize),)
    return render(
        "connect.html",
        status,
        targets,
        root=_root(ctx),
        app_name=provider.name,
        account_name=link.account_name,
        sandbox=ctx.catalogue.upstream(provider.slug).startswith(ctx.base_url + "/sandbox/"),
        reconnecting=link.conn.status == "ACTIVE",
        notice=_notice(link),
        reason=rejected.reason if rejected else None,
        reason_title="Not connected: the check failed",
        stored=_stored(link, ctx),
        oauth=isinstance(provider.auth, OAuth2Auth),
        fields=_fields(provider, rejected),
        session_token=link.token,
        csrf=security.csrf_token(nonce, session_hash(link.token)),
    )


def _session_seconds(link: Link) -> int:
    expires = link.conn.session_expires_at
    return int((aware(expires) - now()).total_seconds()) if expires else 0


@pages
async def connect_page(request: Request) -> Response:
    services = request.app.state.services
    ctx = services.ctx
    async with services.sessions() as db:
        link = await flow.open_link(db, ctx, request.query_params.get("session_token", ""))
    nonce = security.nonce_from(request)
    fresh = nonce is None
    nonce = nonce or security.new_nonce()
    response = _form_page(request, link, nonce)
    if fresh:
        security.Cookies(ctx.base_url).set(
            response, security.CSRF_COOKIE, nonce, _session_seconds(link), "strict"
        )
    return response


async def _checked_link(request: Request, db: AsyncSession, ctx: Context) -> tuple[Link, Any]:
    form = await request.form()
    link = await flow.open_link(db, ctx, str(form.get("session_token", "")))
    if not security.csrf_valid(request, session_hash(link.token), str(form.get("csrf", ""))):
        raise LinkProblem(
            403,
            "This form has expired",
            "The page was open too long or cookies are blocked, so the form could not be "
            "trusted. Nothing was stored.",
            "Reload the page and try again.",
        )
    return link, form


@pages
async def submit(request: Request) -> Response:
    services = request.app.state.services
    ctx = services.ctx
    async with services.sessions() as db, db.begin():
        link, form = await _checked_link(request, db, ctx)
        if isinstance(link.provider.auth, OAuth2Auth):
            raise LinkProblem(
                400, "Sign in instead", f"{link.provider.name} uses sign-in, not keys."
            )
        try:
            await flow.submit_credentials(ctx, link, form)
        except Rejected as rejected:
            nonce = security.nonce_from(request) or ""
            return _form_page(request, link, nonce, rejected.status, rejected)
    services.resolver.forget_account(link.conn.account_id)
    return _done(request, link.conn, link.provider, link.account_name)


def _done(request: Request, conn: Any, provider: Provider, account_name: str) -> Response:
    ctx: Context = request.app.state.services.ctx
    meta = {k: v for k, v in (conn.meta or {}).items() if k != "sandbox"}
    identity = [
        (k.replace("_", " ").capitalize(), ", ".join(map(str, v)) if isinstance(v, list) else v)
        for k, v in meta.items()
    ]
    return render(
        "done.html",
        root=_root(ctx),
        app_name=provider.name,
        account_name=account_name,
        sandbox=ctx.catalogue.upstream(provider.slug).startswith(ctx.base_url + "/sandbox/"),
        identity=identity,
        connection_id=conn.id,
    )


@pages
async def authorize(request: Request) -> Response:
    services = request.app.state.services
    ctx = services.ctx
    async with services.sessions() as db, db.begin():
        link, _ = await _checked_link(request, db, ctx)
        if not isinstance(link.provider.auth, OAuth2Auth):
            raise LinkProblem(400, "Paste the key instead", f"{link.provider.name} uses keys.")
        url, binding = flow.start_sign_in(ctx, _apps(request), link)
    response = RedirectResponse(url, status_code=303, headers=security.page_headers())
    cookies = security.Cookies(ctx.base_url)
    cookies.set(response, security.OAUTH_COOKIE, binding, _session_seconds(link), "lax")
    return response


@pages
async def callback(request: Request) -> Response:
    services = request.app.state.services
    ctx = services.ctx
    params = {k: v for k, v in request.query_params.items()}
    cookie = request.cookies.get(security.OAUTH_COOKIE, "")
    async with services.sessions() as db, db.begin():
        result = await flow.finish_sign_in(db, ctx, _apps(request), params, cookie)
        retry = flow.link_token(result.conn, ctx)
    services.resolver.forget_account(result.conn.account_id)
    name = result.provider.name
    root = _root(ctx)
    if result.already_done:
        return problem(
            409,
            "This sign-in is already finished",
            f"The answer from {name} was already handled; it cannot be used twice.",
            root,
        )
    if result.failure is not None:
        retry_url = f"{root}/connect?session_token={retry}" if retry else None
        response: Response = problem(
            400, f"Could not connect {name}", result.failure, root, None, retry_url
        )
    else:
        await revoke_quietly(
            ctx.http,
            _apps(request),
            result.provider,
            result.replaced,
            result.conn.id,
            "reconnected",
        )
        response = _done(request, result.conn, result.provider, result.account_name)
    security.Cookies(ctx.base_url).clear(response, security.OAUTH_COOKIE)
    return response


def routes() -> list[BaseRoute]:
    static = StaticFiles(directory=Path(__file__).parent / "static")
    return [
        Route("/connect", connect_page, methods=["GET"]),
        Route("/connect", submit, methods=["POST"]),
        Route("/connect/authorize", authorize, methods=["POST"]),
        Route("/connect/callback", callback, methods=["GET"]),
        Mount("/connect/static", static),
    ]
