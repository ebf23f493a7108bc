"""One generic runner: an action plus an input become gateway requests.

It validates the input against the action's schema, fills in the connection's context (a Twilio
Account SID, a CallRail account id), sends the request(s) with ``Maton-Connection`` when one is
named, follows pages up to a limit and, for actions that cost money, sends an
``Idempotency-Key`` (the caller's, or a new one returned with the result).

The logic is written once, without I/O: ``plan(action, input)`` is a generator that yields the
requests it needs (a list, sent together) and is sent their responses. ``run_sync`` and
``run_async`` drive it with a ``Trunkline`` or an ``AsyncTrunkline``; retries (429, 503, resets)
happen underneath, in the client's transport.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from trunkline.client._action_models import Action, Pagination, Request
from trunkline.client._errors import ActionError, error_from_response
from trunkline.client._models import Connection
from trunkline.client._template import dig, fill, fill_path, texts
from trunkline.client._validation import first_problem

if TYPE_CHECKING:
    from trunkline.client._client import AsyncTrunkline, Trunkline

DEFAULT_LIMIT = 50
# A local search reads at most this many pages looking for matches.
SEARCH_PAGES = 20
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Send:
    """One request the plan needs: a gateway call (``connection`` set or not) or a control one."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    connection: str | None = None


# Yields batches of requests, is sent their responses, returns the result.
Plan = Generator[list[Send], list[httpx.Response], Any]


def plan(
    action: Action, arguments: Mapping[str, Any], connection: str | None, base_url: str
) -> Plan:
    args = validated(action, arguments)
    limit = int(args.pop("limit", DEFAULT_LIMIT))
    cursor = args.pop("cursor", None)
    key = args.pop("idempotency_key", None)
    if action.hints.costs_money:
        key = key or uuid.uuid4().hex
    values, connection = yield from _with_context(action, args, connection)
    steps = _Steps(action, values, connection, key, base_url)
    result: dict[str, Any] = {"action": action.name, "connection": connection}
    if action.requests is not None:
        result["data"] = yield from steps.combined()
    elif action.pages is not None:
        result.update((yield from steps.paged(limit, cursor)))
    else:
        assert action.request is not None
        answer = yield [steps.send(action.request)]
        result["data"] = steps.read(action.request, answer[0])
    if key is not None:
        result["idempotency_key"] = key
    return result


def run_sync(client: Trunkline, steps: Plan) -> Any:
    try:
        batch = next(steps)
        while True:
            batch = steps.send([client._send(s) for s in batch])
    except StopIteration as done:
        return done.value


async def run_async(client: AsyncTrunkline, steps: Plan) -> Any:
    try:
        batch = next(steps)
        while True:
            answers = await asyncio.gather(*(client._send(s) for s in batch))
            batch = steps.send(list(answers))
    except StopIteration as done:
        return done.value


class ActionRunner:
    """Runs actions with an ``AsyncTrunkline`` (the MCP server's way in)."""

    def __init__(self, client: AsyncTrunkline) -> None:
        self.client = client

    async def run(
        self, action: Action, arguments: Mapping[str, Any], *, connection: str | None = None
    ) -> dict[str, Any]:
        steps = plan(action, arguments, connection, self.client.base_url)
        result: dict[str, Any] = await run_async(self.client, steps)
        return result


def _with_context(
    action: Action, args: dict[str, Any], connection: str | None
) -> Generator[list[Send], list[httpx.Response], tuple[dict[str, Any], str | None]]:
    """The input plus context values; naming the connection whose metadata they came from
    keeps the request on that same connection."""
    wanted = {var: key for var, key in action.context.items() if args.get(var) is None}
    if not wanted:
        return args, connection
    if connection:
        answer = yield [Send("GET", f"/connections/{connection}")]
        conn = Connection.model_validate(_control(answer[0])["connection"])
    else:
        query = {"app": action.app, "status": "ACTIVE"}
        answer = yield [Send("GET", "/connections", params=query)]
        active = _control(answer[0])["connections"]
        if not active:
            raise ActionError(f"no ACTIVE {action.app} connection: create one first")
        conn = Connection.model_validate(active[0])  # the oldest, as the gateway's default
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


class _Steps:
    """The requests of one run: built from the action's templates and the input's values."""

    def __init__(
        self,
        action: Action,
        values: dict[str, Any],
        connection: str | None,
        idempotency_key: str | None,
        base_url: str,
    ) -> None:
        self.action = action
        self.values = values
        self.connection = connection
        self.idempotency_key = idempotency_key
        self.base_url = base_url

    def headers(self, request: Request) -> dict[str, str]:
        """Every header an action's request carries, built here and only here."""
        sent: dict[str, str] = dict(fill(request.headers, self.values) or {})
        if self.idempotency_key is not None:
            sent[IDEMPOTENCY_HEADER] = self.idempotency_key
        return sent

    def send(self, request: Request, extra_query: Mapping[str, Any] | None = None) -> Send:
        missing = sorted(v for v in request.path_vars() if self.values.get(v) is None)
        if missing:
            raise ActionError(f"{self.action.name} needs {', '.join(missing)}")
        path = f"/{self.action.app}{fill_path(request.path, self.values)}"
        query = {**(fill(request.query, self.values) or {}), **(extra_query or {})}
        body = fill(request.body, self.values) if request.body is not None else None
        form = request.encoding == "form"
        return Send(
            request.method,
            path,
            params=query or None,
            json=None if form else body,
            data=body if form else None,
            headers=self.headers(request),
            connection=self.connection,
        )

    def read(self, request: Request, response: httpx.Response) -> Any:
        if request.optional and response.status_code == 404:
            return None
        return dig(_checked(response), request.result)

    def combined(self) -> Generator[list[Send], list[httpx.Response], dict[str, Any]]:
        requests = self.action.requests
        assert requests is not None
        answers = yield [self.send(r) for r in requests.values()]
        return {
            name: self.read(request, answer)
            for (name, request), answer in zip(requests.items(), answers, strict=True)
        }

    def paged(
        self, limit: int, cursor: str | None
    ) -> Generator[list[Send], list[httpx.Response], dict[str, Any]]:
        """Pages until ``limit`` items. Token pages are asked for exactly what is missing;
        link and numbered pages keep the first page's size, so the walk stops before a page
        that would not fit (never cutting one, which would lose the rest of it)."""
        pages, search = self.action.pages, self.action.search
        assert pages is not None
        needle = str(self.values[search.input]) if search else None
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
            answer = yield [self.page(pages, next_cursor, want)]
            body = _checked(answer[0])
            first = False
            found = dig(body, pages.items) or []
            if search and needle:
                found = [i for i in found if _matches(i, needle, search.fields)]
            items.extend(found)
            next_cursor = _next_cursor(pages, body, next_cursor, size)
            if len(items) >= limit or (fixed and not needle and len(items) + size > limit):
                break
        return {"items": items[:limit], "count": min(len(items), limit), "next_cursor": next_cursor}

    def page(self, pages: Pagination, cursor: str | None, size: int) -> Send:
        request, how = self.action.request, pages.how
        assert request is not None
        if how.style == "link" and cursor is not None:
            path = _link_path(cursor, self.base_url, self.action.app)
            return Send("GET", path, headers=self.headers(request), connection=self.connection)
        extra: dict[str, Any] = {}
        if pages.size_param:
            extra[pages.size_param] = max(1, size)
        if cursor is not None and how.style == "cursor":
            extra[how.param] = cursor
        elif how.style == "number":
            extra[how.param] = int(cursor.split(":")[0]) if cursor else 1
        return self.send(request, extra)


def validated(action: Action, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The input without its None values, checked against the action's schema."""
    args = {k: v for k, v in arguments.items() if v is not None}
    problem = first_problem(action.input_schema(), args)
    if problem:
        raise ActionError(f"invalid input for {action.name}: {problem}")
    return args


def _next_cursor(pages: Pagination, answer: Any, current: str | None, size: int) -> str | None:
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
    for name in fields:
        for text in texts(item, name):
            if wanted in text.casefold():
                return True
            if len(digits) >= 4 and digits in "".join(c for c in text if c.isdigit()):
                return True
    return False


def _control(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise error_from_response(response)
    return response.json()


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
