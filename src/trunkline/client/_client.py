"""``Trunkline`` and ``AsyncTrunkline``: the control API, actions, typed per-provider helpers
and raw gateway calls, over httpx (``Client`` / ``AsyncClient`` are the same classes).

Both take ``transport=`` so tests can plug in an in-process app (see ``trunkline.client.testing``);
retries sit in a transport wrapped around it (``_retry.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from trunkline.client._action_models import Action
from trunkline.client._catalogue import builtin_actions
from trunkline.client._config import resolve_api_key, resolve_base_url
from trunkline.client._control import (
    Apps,
    AsyncApps,
    AsyncConnections,
    AsyncEvents,
    Connections,
    Events,
    checked,
)
from trunkline.client._errors import (
    ActionError,
    APIConnectionError,
)
from trunkline.client._generated import AsyncProviders, SyncProviders
from trunkline.client._models import ActionResult, User
from trunkline.client._retry import AsyncRetryTransport, RetryTransport
from trunkline.client._runner import Send, plan, run_async, run_sync

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
CONNECTION_HEADER = "Maton-Connection"


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "User-Agent": "trunkline-python"}


def _unreachable(base_url: str, exc: httpx.HTTPError) -> APIConnectionError:
    return APIConnectionError(f"cannot reach {base_url}: {exc}")


def _find_action(name: str) -> Action:
    action = builtin_actions().get(name)
    if action is None:
        raise ActionError(f"no action {name!r}; client.actions.list() lists them")
    return action


def _list_actions(app: str | None, query: str | None) -> list[Action]:
    return builtin_actions().search(query or "", app, limit=1000)


class _Actions:
    """Provider operations as data (``quo.send_message``, ``twilio.list_calls``...), run
    through the gateway by the one generic runner."""

    def __init__(self, client: Trunkline) -> None:
        self._client = client

    def list(self, app: str | None = None, query: str | None = None) -> list[Action]:
        return _list_actions(app, query)

    def get(self, name: str) -> Action:
        return _find_action(name)

    def run(
        self,
        name: str,
        /,
        *,
        connection: str | None = None,
        idempotency_key: str | None = None,
        **args: Any,
    ) -> ActionResult:
        """Run action ``name`` with ``args`` as its input; listing actions take ``limit`` and
        ``cursor`` (the ``next_cursor`` of the previous result)."""
        return ActionResult.model_validate(self.run_raw(name, args, connection, idempotency_key))

    def run_raw(
        self,
        name: str,
        args: Mapping[str, Any],
        connection: str | None,
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        given = {**args, "idempotency_key": idempotency_key}
        steps = plan(
            _find_action(name), given, connection or self._client.connection, self._client.base_url
        )
        result: dict[str, Any] = run_sync(self._client, steps)
        return result


class Trunkline(SyncProviders):
    """The client: ``Trunkline()`` reads ``TRUNKLINE_URL`` / ``TRUNKLINE_API_KEY`` (or Maton's
    ``MATON_API_BASE_URL`` / ``MATON_API_KEY``). ``connection`` is the ``Maton-Connection`` sent
    with gateway calls and actions when a call names none. ``max_retries`` resends what is safe
    to resend (see ``_retry.py``)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        connection: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = resolve_base_url(base_url)
        self.api_key = resolve_api_key(api_key)
        self.connection = connection
        self.max_retries = max_retries
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=_headers(self.api_key),
            timeout=timeout,
            transport=RetryTransport(transport or httpx.HTTPTransport(), max_retries),
            trust_env=False,
        )
        self.connections = Connections(self)
        self.events = Events(self)
        self.apps = Apps(self)
        self.actions = _Actions(self)
        self._attach_providers(self)

    def user(self) -> User:
        """Who this key belongs to: account, key id and mode (Maton's ``whoami``)."""
        return User.model_validate(self._control("GET", "/user"))

    def request(
        self,
        method: str,
        path: str,
        *,
        connection: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """A raw gateway call (``/quo/v1/...``): the upstream's answer, errors included."""
        extra = dict(headers or {})
        if connection or self.connection:
            extra[CONNECTION_HEADER] = connection or self.connection or ""
        try:
            return self._http.request(
                method.upper(),
                path,
                params=params,
                json=json,
                data=data,
                content=content,
                headers=extra,
            )
        except httpx.HTTPError as exc:
            raise _unreachable(self.base_url, exc) from exc

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def _send(self, send: Send) -> httpx.Response:
        """One request of an action's plan (its connection is already resolved)."""
        headers = dict(send.headers)
        if send.connection:
            headers[CONNECTION_HEADER] = send.connection
        try:
            return self._http.request(
                send.method,
                send.path,
                params=send.params,
                json=send.json,
                data=send.data,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise _unreachable(self.base_url, exc) from exc

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise _unreachable(self.base_url, exc) from exc
        return checked(response).json() if response.content else {}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Trunkline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _AsyncActions:
    def __init__(self, client: AsyncTrunkline) -> None:
        self._client = client

    def list(self, app: str | None = None, query: str | None = None) -> list[Action]:
        return _list_actions(app, query)

    def get(self, name: str) -> Action:
        return _find_action(name)

    async def run(
        self,
        name: str,
        /,
        *,
        connection: str | None = None,
        idempotency_key: str | None = None,
        **args: Any,
    ) -> ActionResult:
        result = await self.run_raw(name, args, connection, idempotency_key)
        return ActionResult.model_validate(result)

    async def run_raw(
        self,
        name: str,
        args: Mapping[str, Any],
        connection: str | None,
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        given = {**args, "idempotency_key": idempotency_key}
        steps = plan(
            _find_action(name), given, connection or self._client.connection, self._client.base_url
        )
        result: dict[str, Any] = await run_async(self._client, steps)
        return result


class AsyncTrunkline(AsyncProviders):
    """``Trunkline`` for asyncio: the same options, awaitable calls, async iterators."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        connection: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = resolve_base_url(base_url)
        self.api_key = resolve_api_key(api_key)
        self.connection = connection
        self.max_retries = max_retries
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=_headers(self.api_key),
            timeout=timeout,
            transport=AsyncRetryTransport(transport or httpx.AsyncHTTPTransport(), max_retries),
            trust_env=False,
        )
        self.connections = AsyncConnections(self)
        self.events = AsyncEvents(self)
        self.apps = AsyncApps(self)
        self.actions = _AsyncActions(self)
        self._attach_providers(self)

    async def user(self) -> User:
        return User.model_validate(await self._control("GET", "/user"))

    async def request(
        self,
        method: str,
        path: str,
        *,
        connection: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        extra = dict(headers or {})
        if connection or self.connection:
            extra[CONNECTION_HEADER] = connection or self.connection or ""
        try:
            return await self._http.request(
                method.upper(),
                path,
                params=params,
                json=json,
                data=data,
                content=content,
                headers=extra,
            )
        except httpx.HTTPError as exc:
            raise _unreachable(self.base_url, exc) from exc

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)

    async def _send(self, send: Send) -> httpx.Response:
        headers = dict(send.headers)
        if send.connection:
            headers[CONNECTION_HEADER] = send.connection
        try:
            return await self._http.request(
                send.method,
                send.path,
                params=send.params,
                json=send.json,
                data=send.data,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise _unreachable(self.base_url, exc) from exc

    async def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise _unreachable(self.base_url, exc) from exc
        return checked(response).json() if response.content else {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncTrunkline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


Client = Trunkline
AsyncClient = AsyncTrunkline
