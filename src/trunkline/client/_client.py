"""``Client`` and ``AsyncClient``: the control API plus raw gateway calls, over httpx.

Both take ``transport=`` so tests can plug in an in-process app (see ``trunkline.client.testing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from trunkline.client._config import resolve_api_key, resolve_base_url
from trunkline.client._errors import TrunklineClientError, error_from_response
from trunkline.client._models import App, Connection, User

DEFAULT_TIMEOUT = 30.0


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "User-Agent": "trunkline-python"}


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise error_from_response(response)
    return response


class _Connections:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self,
        app: str | None = None,
        status: str | None = None,
        method: str | None = None,
        limit: int | None = None,
    ) -> list[Connection]:
        body = self._client._control(
            "GET",
            "/connections",
            params=_params(app=app, status=status, method=method, limit=limit),
        )
        return [Connection.model_validate(c) for c in body["connections"]]

    def create(
        self,
        app: str,
        *,
        method: str | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> Connection:
        payload = _params(
            app=app, method=method, credentials=dict(credentials) if credentials else None
        )
        body = self._client._control("POST", "/connections", json=payload)
        return Connection.model_validate(body["connection"])

    def get(self, connection_id: str) -> Connection:
        body = self._client._control("GET", f"/connections/{connection_id}")
        return Connection.model_validate(body["connection"])

    def delete(self, connection_id: str) -> None:
        self._client._control("DELETE", f"/connections/{connection_id}")

    def reconnect(
        self, connection_id: str, *, credentials: Mapping[str, str] | None = None
    ) -> Connection:
        """A fresh connect ``url`` for the same id; with ``credentials``, swap them in now."""
        payload = _params(credentials=dict(credentials) if credentials else None)
        body = self._client._control(
            "POST", f"/connections/{connection_id}/reconnect", json=payload
        )
        return Connection.model_validate(body["connection"])


class Client:
    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = resolve_base_url(base_url)
        self.api_key = resolve_api_key(api_key)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=_headers(self.api_key),
            timeout=timeout,
            transport=transport,
            trust_env=False,
        )
        self.connections = _Connections(self)

    def apps(self) -> list[App]:
        return [App.model_validate(a) for a in self._control("GET", "/apps")["apps"]]

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
        if connection:
            extra["Maton-Connection"] = connection
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
            raise TrunklineClientError(f"cannot reach {self.base_url}: {exc}") from exc

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise TrunklineClientError(f"cannot reach {self.base_url}: {exc}") from exc
        return _checked(response).json() if response.content else {}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _AsyncConnections:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(
        self,
        app: str | None = None,
        status: str | None = None,
        method: str | None = None,
        limit: int | None = None,
    ) -> list[Connection]:
        body = await self._client._control(
            "GET",
            "/connections",
            params=_params(app=app, status=status, method=method, limit=limit),
        )
        return [Connection.model_validate(c) for c in body["connections"]]

    async def create(
        self,
        app: str,
        *,
        method: str | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> Connection:
        payload = _params(
            app=app, method=method, credentials=dict(credentials) if credentials else None
        )
        body = await self._client._control("POST", "/connections", json=payload)
        return Connection.model_validate(body["connection"])

    async def get(self, connection_id: str) -> Connection:
        body = await self._client._control("GET", f"/connections/{connection_id}")
        return Connection.model_validate(body["connection"])

    async def delete(self, connection_id: str) -> None:
        await self._client._control("DELETE", f"/connections/{connection_id}")

    async def reconnect(
        self, connection_id: str, *, credentials: Mapping[str, str] | None = None
    ) -> Connection:
        payload = _params(credentials=dict(credentials) if credentials else None)
        body = await self._client._control(
            "POST", f"/connections/{connection_id}/reconnect", json=payload
        )
        return Connection.model_validate(body["connection"])


class AsyncClient:
    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = resolve_base_url(base_url)
        self.api_key = resolve_api_key(api_key)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=_headers(self.api_key),
            timeout=timeout,
            transport=transport,
            trust_env=False,
        )
        self.connections = _AsyncConnections(self)

    async def apps(self) -> list[App]:
        body = await self._control("GET", "/apps")
        return [App.model_validate(a) for a in body["apps"]]

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
        if connection:
            extra["Maton-Connection"] = connection
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
            raise TrunklineClientError(f"cannot reach {self.base_url}: {exc}") from exc

    async def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise TrunklineClientError(f"cannot reach {self.base_url}: {exc}") from exc
        return _checked(response).json() if response.content else {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
