"""RingCentral's OAuth 2.0 endpoints: ``/restapi/oauth/authorize``, ``token`` and ``revoke``.

The authorize page stands in for RingCentral's login and consent screens: the sandbox user
picks an extension and presses Authorize or Deny, and is sent back to the app's redirect URI
with ``code``/``state`` (``expires_in=60``) or with ``error=access_denied``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from trunkline.sandbox.ringcentral import errors, tokens
from trunkline.sandbox.ringcentral.errors import OAuthError
from trunkline.sandbox.ringcentral.page import consent_page, error_page
from trunkline.sandbox.ringcentral.world import RingCentralWorld, world_of

Doc = dict[str, Any]
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
)
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


class BadAuthorizeRequest(Exception):
    """Cannot redirect back (unknown app or redirect URI): RingCentral shows an error page."""


def _checked(world: RingCentralWorld, params: dict[str, str]) -> Doc:
    client = world.table("clients").get(params.get("client_id", ""))
    if client is None:
        raise BadAuthorizeRequest(f"Client application {params.get('client_id', '')!r} not found")
    redirect = params.get("redirect_uri", "")
    parts = urlsplit(redirect)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise BadAuthorizeRequest("The redirect_uri parameter is missing or not a valid URL")
    if client["redirectUris"] and redirect not in client["redirectUris"]:
        raise BadAuthorizeRequest("Redirect URIs do not match (OAU-109)")
    return client


def _problem(client: Doc, params: dict[str, str]) -> tuple[str, str] | None:
    """An error the app gets back on its redirect URI, or None."""
    if params.get("response_type") != "code":
        return "unsupported_response_type", "Unsupported response type"
    method = params.get("code_challenge_method", "plain" if params.get("code_challenge") else "")
    if method and method not in ("S256", "plain"):
        return "invalid_request", "Unsupported code challenge method"
    if method and not params.get("code_challenge"):
        return "invalid_request", "Parameter [code_challenge] is not specified"
    unknown = set(params.get("scope", "").split()) - set(client["scopes"])
    if unknown:
        return "invalid_scope", f"Unknown or unavailable scope: {' '.join(sorted(unknown))}"
    return None


def _back(redirect_uri: str, values: dict[str, str]) -> RedirectResponse:
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(values.items())
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)


async def authorize(request: Request) -> Response:
    world = world_of(request)
    source = request.query_params if request.method == "GET" else await request.form()
    params = {k: str(source[k]) for k in AUTHORIZE_PARAMS if source.get(k)}
    try:
        client = _checked(world, params)
    except BadAuthorizeRequest as exc:
        page = error_page("Cannot authorize", str(exc))
        return HTMLResponse(page, status_code=400, headers=PAGE_HEADERS)
    state = {"state": params["state"]} if "state" in params else {}
    problem = _problem(client, params)
    if problem is not None:
        return _back(
            params["redirect_uri"], {"error": problem[0], "error_description": problem[1], **state}
        )
    if request.method == "GET":
        page = consent_page(request.url.path, client, params, world.extensions())
        return HTMLResponse(page, headers=PAGE_HEADERS)
    if source.get("decision") != "approve":
        denied = {"error": "access_denied", "error_description": "The user has denied access"}
        return _back(params["redirect_uri"], {**denied, **state})
    extension = world.extension(str(source.get("extension_id", "")))
    if extension is None:
        return HTMLResponse(error_page("Cannot authorize", "Unknown extension"), 400, PAGE_HEADERS)
    method = params.get("code_challenge_method", "plain")
    code = tokens.issue_code(
        world,
        client,
        extension["id"],
        params["redirect_uri"],
        params.get("scope") or " ".join(client["scopes"]),
        params.get("code_challenge"),
        method,
    )
    return _back(params["redirect_uri"], {"code": code, **state, "expires_in": "60"})


async def token(request: Request) -> Response:
    world = world_of(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    grant_type = form.get("grant_type", "")
    client_id = form.get("client_id", "")
    try:
        client, proven = tokens.client_from_request(
            world, request.headers.get("authorization", ""), form
        )
        client_id = client["id"]
        if grant_type == "authorization_code":
            session = tokens.redeem_code(world, client, proven, form)
        elif grant_type == "refresh_token":
            session = tokens.rotate(world, client, proven, form)
        else:
            raise OAuthError(400, "unsupported_grant_type", "OAU-250", "Unsupported grant type")
    except OAuthError as exc:
        world.log_token_request(grant_type, client_id, exc.error)
        world.save()
        return exc.response()
    world.log_token_request(grant_type, client_id, "ok")
    world.save()
    return JSONResponse(tokens.token_response(session), headers={"Cache-Control": "no-store"})


async def revoke(request: Request) -> Response:
    world = world_of(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        client, proven = tokens.client_from_request(
            world, request.headers.get("authorization", ""), form
        )
        if not proven:
            raise errors.invalid_client(client["id"])
    except OAuthError as exc:
        return exc.response()
    if not form.get("token"):
        return OAuthError(
            400, "invalid_request", "OAU-100", "Parameter [token] is not specified"
        ).response()
    tokens.revoke(world, client, form["token"])
    return Response(status_code=200)


def routes() -> list[Route]:
    return [
        Route("/restapi/oauth/authorize", authorize, methods=["GET", "POST"]),
        Route("/restapi/oauth/token", token, methods=["POST"]),
        Route("/restapi/oauth/revoke", revoke, methods=["POST"]),
    ]
