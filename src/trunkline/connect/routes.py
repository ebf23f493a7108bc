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

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from trunkline.catalogue import OAuth2Auth, Provider
from trunkline.connect import security
from trunkline.connect.pages import problem, render
from trunkline.connections import DEAD_CREDENTIALS, session_hash
from trunkline.connections import links as flow
from trunkline.connections.links import Link, LinkProblem, Rejected
from trunkline.enums import Mode
from trunkline.errors import TrunklineError
from trunkline.services import Services
from trunkline.timeutil import aware, now

log = logging.getLogger("trunkline.connect")
Endpoint = Callable[[Request], Awaitable[Response]]


def _session_seconds(link: Link) -> int:
    expires = link.conn.session_expires_at
    return int((aware(expires) - now()).total_seconds()) if expires else 0


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


def routes(services: Services) -> list[BaseRoute]:
    connections = services.connections
    base_url = services.settings.base_url
    root = urlsplit(base_url).path.rstrip("/")
    cookies = security.Cookies(base_url)

    def pages(handler: Endpoint) -> Endpoint:
        """Any error becomes a page (with the error's status), never JSON or a traceback."""

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except LinkProblem as exc:
                return problem(exc.status, exc.title, exc.message, root, exc.hint)
            except TrunklineError as exc:
                return problem(exc.status, "Something went wrong", exc.message, root)
            except HTTPException as exc:  # Starlette's own 4xx (a malformed form)
                title = "This form could not be read" if exc.status_code < 500 else "Error"
                return problem(exc.status_code, title, str(exc.detail), root)
            except Exception:
                log.exception("connect page failed")
                return problem(500, "Something went wrong", "An internal error occurred.", root)

        return run

    def where(link: Link) -> tuple[str, bool]:
        """Where this connection's credential goes, and whether that is a sandbox."""
        upstream = services.catalogue.upstream(link.provider.slug, link.mode)
        return upstream, link.mode is Mode.TEST

    def stored(link: Link) -> list[str]:
        provider = link.provider
        upstream, sandbox = where(link)
        host = "this server's offline sandbox" if sandbox else urlsplit(upstream).netloc
        sealed = "encrypted with AES-256-GCM in this trunkline server's database"
        if isinstance(provider.auth, OAuth2Auth):
            return [
                f"An access token and a refresh token that {provider.name} issues after you "
                f"sign in, {sealed}.",
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

    def form_page(
        link: Link, nonce: str, status: int = 200, rejected: Rejected | None = None
    ) -> Response:
        provider = link.provider
        targets: tuple[str, ...] = ()
        if isinstance(provider.auth, OAuth2Auth):
            authorize_url = services.connections.oauth.url(
                provider, provider.auth.authorize_url, link.mode
            )
            targets = (security.origin(authorize_url or ""),)
        return render(
            "connect.html",
            status,
            targets,
            root=root,
            app_name=provider.name,
            account_name=link.account_name,
            sandbox=where(link)[1],
            mode=link.mode.value,
            reconnecting=link.conn.status == "ACTIVE",
            notice=_notice(link),
            reason=rejected.reason if rejected else None,
            reason_title="Not connected: the check failed",
            stored=stored(link),
            oauth=isinstance(provider.auth, OAuth2Auth),
            fields=_fields(provider, rejected),
            session_token=link.token,
            csrf=security.csrf_token(nonce, session_hash(link.token)),
        )

    def done(link_conn: Any, provider: Provider, account_name: str) -> Response:
        meta = {k: v for k, v in (link_conn.meta or {}).items() if k != "sandbox"}
        identity = [
            (
                k.replace("_", " ").capitalize(),
                ", ".join(map(str, v)) if isinstance(v, list) else v,
            )
            for k, v in meta.items()
        ]
        return render(
            "done.html",
            root=root,
            app_name=provider.name,
            account_name=account_name,
            sandbox=link_conn.mode == Mode.TEST.value,
            mode=link_conn.mode,
            identity=identity,
            connection_id=link_conn.id,
        )

    async def checked_link(request: Request) -> tuple[Link, Any]:
        form = await request.form(max_files=0, max_fields=20, max_part_size=64 * 1024)
        link = await flow.open_link(connections, str(form.get("session_token", "")))
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
    async def connect_page(request: Request) -> Response:
        link = await flow.open_link(connections, request.query_params.get("session_token", ""))
        nonce = security.nonce_from(request)
        fresh = nonce is None
        nonce = nonce or security.new_nonce()
        response = form_page(link, nonce)
        if fresh:
            cookies.set(response, security.CSRF_COOKIE, nonce, _session_seconds(link), "strict")
        return response

    @pages
    async def submit(request: Request) -> Response:
        link, form = await checked_link(request)
        if isinstance(link.provider.auth, OAuth2Auth):
            raise LinkProblem(
                400, "Sign in instead", f"{link.provider.name} uses sign-in, not keys."
            )
        try:
            await flow.submit_credentials(connections, link, form)
        except Rejected as rejected:
            nonce = security.nonce_from(request) or ""
            return form_page(link, nonce, rejected.status, rejected)
        return done(link.conn, link.provider, link.account_name)

    @pages
    async def authorize(request: Request) -> Response:
        link, _ = await checked_link(request)
        if not isinstance(link.provider.auth, OAuth2Auth):
            raise LinkProblem(400, "Paste the key instead", f"{link.provider.name} uses keys.")
        url, binding = await flow.start_sign_in(connections, link)
        response = RedirectResponse(url, status_code=303, headers=security.page_headers())
        # Outlives the link by an hour: a sign-in finished late must still prove its browser,
        # to be told the link expired (a callback from another browser changes nothing).
        lifetime = _session_seconds(link) + 3600
        cookies.set(response, security.OAUTH_COOKIE, binding, lifetime, "lax")
        return response

    @pages
    async def callback(request: Request) -> Response:
        params = {k: v for k, v in request.query_params.items()}
        cookie = request.cookies.get(security.OAUTH_COOKIE, "")
        result = await flow.finish_sign_in(connections, params, cookie)
        name = result.provider.name
        if result.already_done:
            return problem(
                409,
                "This sign-in is already finished",
                f"The answer from {name} was already handled; it cannot be used twice.",
                root,
            )
        if result.failure is not None:
            retry = flow.link_token(connections, result.conn)
            retry_url = f"{root}/connect?session_token={retry}" if retry else None
            response: Response = problem(
                400, f"Could not connect {name}", result.failure, root, None, retry_url
            )
        else:
            response = done(result.conn, result.provider, result.account_name)
        cookies.clear(response, security.OAUTH_COOKIE)
        return response

    static = StaticFiles(directory=Path(__file__).parent / "static")
    return [
        Route("/connect", connect_page, methods=["GET"]),
        Route("/connect", submit, methods=["POST"]),
        Route("/connect/authorize", authorize, methods=["POST"]),
        Route("/connect/callback", callback, methods=["GET"]),
        Mount("/connect/static", static),
    ]
