"""One generic runner: an action plus an input become gateway requests through the SDK.

It validates the input against the action's schema, fills in the connection's context (a Twilio
Account SID, a CallRail account id), sends the request(s) with ``Maton-Connection`` when one is
named, follows pages up to a limit and, for actions that cost money, sends an
``Idempotency-Key`` (the caller's, or a new one returned with the result).
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from jsonschema import Draft202012Validator

from trunkline.actions.models import Action, Request
from trunkline.actions.template import dig, fill, fill_path, texts
from trunkline.client import AsyncClient

DEFAULT_LIMIT = 50
# A local search reads at most this many pages looking for matches.
SEARCH_PAGES = 20
IDEMPOTENCY_HEADER = "Idempotency-Key"
RATE_LIMIT_RETRIES = 3
MAX_RETRY_WAIT = 5.0
# Every gateway request of a run names its action, for the gateway's access log (the gateway
# strips it before forwarding). A context variable: runs may overlap on one runner.
ACTION_HEADER = "Trunkline-Action"
_running: contextvars.ContextVar[str | None] = contextvars.ContextVar("action", default=None)


class ActionError(Exception):
    """The action could not run, or the provider refused it; ``message`` says why."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class ActionRunner:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def run(
        self, action: Action, arguments: Mapping[str, Any], *, connection: str | None = None
    ) -> dict[str, Any]:
        token = _running.set(action.name)
        try:
            return await self._run(action, arguments, connection)
        finally:
            _running.reset(token)

    async def _run(
        self, action: Action, arguments: Mapping[str, Any], connection: str | None
    ) -> dict[str, Any]:
        args = _validated(action, arguments)
        limit = int(args.pop("limit", DEFAULT_LIMIT))
        cursor = args.pop("cursor", None)
        key = args.pop("idempotency_key", None)
        headers: dict[str, str] = {}
        if action.hints.costs_money:
            key = key or uuid.uuid4().hex
            headers[IDEMPOTENCY_HEADER] = key
        values, connection = await self._with_context(action, args, connection)
        result: dict[str, Any] = {"action": action.name, "connection": connection}
        if action.requests is not None:
            result["data"] = await self._combined(action, values, connection, headers)
        elif action.pages is not None:
            result.update(await self._paged(action, values, connection, limit, cursor))
        else:
            assert action.request is not None
            result["data"] = await self._one(action, action.request, values, connection, headers)
        if key is not None:
            result["idempotency_key"] = key
        return result

    async def _with_context(
        self, action: Action, args: dict[str, Any], connection: str | None
    ) -> tuple[dict[str, Any], str | None]:
        """The input plus context values; naming the connection whose metadata they came from
        keeps the request on that same connection."""
        wanted = {var: key for var, key in action.context.items() if args.get(var) is None}
        if not wanted:
            return args, connection
        conn = await self._connection(action.app, connection)
        values = dict(args)
        for var, key in wanted.items():
            found = conn.metadata.get(key)
            if isinstance(found, list):
                found = found[0] if found else None
            if found is None:
                raise ActionError(
                    f"connection {conn.connection_id} has no {key!r} in its metadata; "
                    f"pass {var!r} explicitly"
                )
            values[var] = found
        return values, conn.connection_id

    async def _connection(self, app: str, connection: str | None) -> Any:
        if connection:
            return await self.client.connections.get(connection)
        active = await self.client.connections.list(app=app, status="ACTIVE")
        if not active:
            raise ActionError(f"no ACTIVE {app} connection: create one with create_connection")
        return active[0]  # the oldest, as the gateway's default

    async def _one(
        self,
        action: Action,
        request: Request,
        values: dict[str, Any],
        connection: str | None,
        headers: Mapping[str, str],
    ) -> Any:
        missing = sorted(v for v in request.path_vars() if values.get(v) is None)
        if missing:
            raise ActionError(f"{action.name} needs {', '.join(missing)}")
        path = f"/{action.app}{fill_path(request.path, values)}"
        response = await self._send(request, path, values, connection, headers)
        if request.optional and response.status_code == 404:
            return None
        return dig(_checked(response), request.result)

    async def _send(
        self,
        request: Request,
        path: str,
        values: dict[str, Any],
        connection: str | None,
        headers: Mapping[str, str],
        extra_query: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        query = {**(fill(request.query, values) or {}), **(extra_query or {})}
        body = fill(request.body, values) if request.body is not None else None
        sent = {**(fill(request.headers, values) or {}), **headers}
        kwargs: dict[str, Any] = {"params": query or None, "headers": sent or None}
        if body is not None:
            kwargs["data" if request.encoding == "form" else "json"] = body
        return await self._retrying(request.method, path, connection, kwargs)

    async def _retrying(
        self, method: str, path: str, connection: str | None, kwargs: dict[str, Any]
    ) -> httpx.Response:
        """A 429 with a short Retry-After is waited out (a refused request did nothing, so
        resending it, with the same idempotency key, is safe); a long one is the caller's."""
        name = _running.get()
        if name is not None:
            kwargs = {**kwargs, "headers": {**(kwargs.get("headers") or {}), ACTION_HEADER: name}}
        for _ in range(RATE_LIMIT_RETRIES):
            response = await self.client.request(method, path, connection=connection, **kwargs)
            wait = _retry_after(response)
            if wait is None:
                return response
            await asyncio.sleep(wait)
        return await self.client.request(method, path, connection=connection, **kwargs)

    async def _combined(
        self,
        action: Action,
        values: dict[str, Any],
        connection: str | None,
        headers: Mapping[str, str],
    ) -> dict[str, Any]:
        assert action.requests is not None
        names = list(action.requests)
        answers = await asyncio.gather(
            *(self._one(action, action.requests[n], values, connection, headers) for n in names)
        )
        return dict(zip(names, answers, strict=True))

    async def _paged(
        self,
        action: Action,
        values: dict[str, Any],
        connection: str | None,
        limit: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        """Pages until ``limit`` items. Token pages are asked for exactly what is missing;
        link and numbered pages keep the first page's size, so the walk stops before a page
        that would not fit (never cutting one, which would lose the rest of it)."""
        pages = action.pages
        assert pages is not None
        search = action.search
        needle = str(values[search.input]) if search else None
        fixed = pages.how.style != "cursor"
        size = pages.max_size if needle else min(pages.max_size, limit)
        if cursor and pages.how.style == "number":
            size = int(cursor.split(":")[1])
        items: list[Any] = []
        next_cursor, first = cursor, True
        for _ in range(SEARCH_PAGES if needle else 1000):
            if not first and next_cursor is None:
                break
            want = size if fixed or needle else min(size, limit - len(items))
            answer = await self._page(action, values, connection, next_cursor, want)
            first = False
            found = dig(answer, pages.items) or []
            if search and needle:
                found = [i for i in found if _matches(i, needle, search.fields)]
            items.extend(found)
            next_cursor = _next_cursor(pages, answer, next_cursor, size)
            if len(items) >= limit or (fixed and not needle and len(items) + size > limit):
                break
        return {"items": items[:limit], "count": min(len(items), limit), "next_cursor": next_cursor}

    async def _page(
        self,
        action: Action,
        values: dict[str, Any],
        connection: str | None,
        cursor: str | None,
        size: int,
    ) -> Any:
        pages, request = action.pages, action.request
        assert pages is not None and request is not None
        how = pages.how
        if how.style == "link" and cursor is not None:
            path = _link_path(cursor, self.client.base_url, action.app)
            return _checked(await self._retrying("GET", path, connection, {}))
        extra: dict[str, Any] = {}
        if pages.size_param:
            extra[pages.size_param] = max(1, size)
        if cursor is not None and how.style == "cursor":
            extra[how.param] = cursor
        elif how.style == "number":
            extra[how.param] = int(cursor.split(":")[0]) if cursor else 1
        missing = sorted(v for v in request.path_vars() if values.get(v) is None)
        if missing:
            raise ActionError(f"{action.name} needs {', '.join(missing)}")
        path = f"/{action.app}{fill_path(request.path, values)}"
        return _checked(await self._send(request, path, values, connection, {}, extra))


def _validated(action: Action, arguments: Mapping[str, Any]) -> dict[str, Any]:
    args = {k: v for k, v in arguments.items() if v is not None}
    validator = Draft202012Validator(action.input_schema())
    errors = sorted(validator.iter_errors(args), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "input"
        raise ActionError(f"invalid input for {action.name}: {where}: {errors[0].message}")
    return args


def _retry_after(response: httpx.Response) -> float | None:
    """How long to wait before resending a rate-limited request, if it is worth waiting."""
    if response.status_code != 429:
        return None
    raw = response.headers.get("retry-after", "1")
    try:
        wait = float(raw)
    except ValueError:
        return None
    return wait if 0 <= wait <= MAX_RETRY_WAIT else None


def _next_cursor(pages: Any, answer: Any, current: str | None, size: int) -> str | None:
    """The opaque cursor a caller passes back: the provider's token, the next link, or
    ``page:size`` for numbered pages (the size must stay the same for the numbers to hold)."""
    how = pages.how
    if how.style == "cursor":
        token = dig(answer, how.next)
        return str(token) if token else None
    if how.style == "link":
        link = dig(answer, how.next)
        return str(link) if link else None
    page = int(current.split(":")[0]) if current else 1
    total = dig(answer, how.total)
    return f"{page + 1}:{size}" if isinstance(total, int) and page < total else None


def _link_path(link: str, base_url: str, app: str) -> str:
    """A next-page link as a gateway path: relative links are below the API root; absolute ones
    either already point at the gateway (rewritten) or at the provider's host."""
    if link.startswith(base_url + f"/{app}/"):
        return link[len(base_url) :]
    parts = urlsplit(link)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path.startswith(f"/{app}/") and parts.scheme else f"/{app}{path}"


def _matches(item: Any, needle: str, fields: list[str]) -> bool:
    wanted = needle.casefold().strip()
    digits = "".join(c for c in needle if c.isdigit())
    for field in fields:
        for text in texts(item, field):
            if wanted in text.casefold():
                return True
            if len(digits) >= 4 and digits in "".join(c for c in text if c.isdigit()):
                return True
    return False


def _checked(response: httpx.Response) -> Any:
    try:
        body: Any = response.json() if response.content else None
    except ValueError:
        body = response.text
    if response.status_code >= 400:
        raise ActionError(
            provider_message(body) or f"HTTP {response.status_code}",
            status=response.status_code,
            body=body,
        )
    return body


def provider_message(body: Any) -> str | None:
    """The human part of a provider's error body, whatever its shape."""
    if isinstance(body, str):
        return body[:500] or None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or error)
    parts = [body.get("title"), body.get("message") or error or body.get("error_description")]
    details = body.get("errors")
    if isinstance(details, list) and details and isinstance(details[0], dict):
        detail = details[0].get("message")
        if detail and detail not in parts:
            parts.append(detail)
    code = body.get("code") or body.get("errorCode")
    text = ": ".join(str(p) for p in parts if p)
    return f"{text} (code {code})" if text and code else text or None
