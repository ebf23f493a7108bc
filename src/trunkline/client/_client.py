"""``Client`` and ``AsyncClient``: the control API plus raw gateway calls, over httpx.

Both take ``transport=`` so tests can plug in an in-process app (see ``trunkline.client.testing``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from trunkline.client._config import resolve_api_key, resolve_base_url
from trunkline.client._errors import TrunklineClientError, error_from_response
from trunkline.client._models import App, Connection, Event, EventPage, User

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


def _event_params(
    app: str | None,
    type: str | None,
    connection_id: str | None,
    after: str | None,
    limit: int | None,
    wait: float | None = None,
) -> dict[str, Any]:
    return _params(
        app=app, type=type, connection_id=connection_id, after=after, limit=limit, wait=wait
    )


def _sse_events(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """``(id, data)`` for each Server-Sent Event in a stream of lines."""
    event_id: str | None = None
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield event_id, "\n".join(data)
            event_id, data = None, []
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


class _Events:
    """The event inbox: what providers told trunkline (texts received, calls missed, ...)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self,
        *,
        app: str | None = None,
        type: str | None = None,
        connection_id: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> EventPage:
        params = _event_params(app, type, connection_id, after, limit)
        return EventPage.model_validate(self._client._control("GET", "/events", params=params))

    def wait(
        self,
        *,
        type: str | None = None,
        app: str | None = None,
        connection_id: str | None = None,
        after: str | None = None,
        timeout: float = 60.0,
    ) -> EventPage:
        """Long-poll: returns as soon as at least one event after ``after`` exists, or with
        none when ``timeout`` (at most 60 s) runs out."""
        params = _event_params(app, type, connection_id, after, None, min(timeout, 60.0))
        body = self._client._control(
            "GET", "/events", params=params, timeout=min(timeout, 60.0) + 30
        )
        return EventPage.model_validate(body)

    def get(self, event_id: str) -> Event:
        body = self._client._control("GET", f"/events/{event_id}")
        return Event.model_validate(body["event"])

    def stream(
        self, *, type: str | None = None, app: str | None = None, after: str | None = None
    ) -> Iterator[Event]:
        """Every event after ``after``, then each new one as it arrives (Server-Sent Events;
        a dropped stream resumes where it stopped)."""
        last = after
        while True:
            params = _event_params(app, type, None, last, None)
            try:
                with self._client._http.stream(
                    "GET", "/events/stream", params=params, timeout=httpx.Timeout(30, read=90)
                ) as response:
                    _checked_stream(response)
                    for event_id, data in _sse_events(response.iter_lines()):
                        event = Event.model_validate_json(data)
                        last = f"cur_{event_id}" if event_id else last
                        yield event
            except (httpx.ReadTimeout, httpx.RemoteProtocolError):
                continue  # resume from the last event seen


def _checked_stream(response: httpx.Response) -> None:
    if response.status_code >= 400:
        response.read()
        raise error_from_response(response)


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
        self.events = _Events(self)

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


class _AsyncEvents:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(
        self,
        *,
        app: str | None = None,
        type: str | None = None,
        connection_id: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> EventPage:
        params = _event_params(app, type, connection_id, after, limit)
        body = await self._client._control("GET", "/events", params=params)
        return EventPage.model_validate(body)

    async def wait(
        self,
        *,
        type: str | None = None,
        app: str | None = None,
        connection_id: str | None = None,
        after: str | None = None,
        timeout: float = 60.0,
    ) -> EventPage:
        params = _event_params(app, type, connection_id, after, None, min(timeout, 60.0))
        body = await self._client._control(
            "GET", "/events", params=params, timeout=min(timeout, 60.0) + 30
        )
        return EventPage.model_validate(body)

    async def get(self, event_id: str) -> Event:
        body = await self._client._control("GET", f"/events/{event_id}")
        return Event.model_validate(body["event"])

    async def stream(
        self, *, type: str | None = None, app: str | None = None, after: str | None = None
    ) -> AsyncIterator[Event]:
        last = after
        while True:
            params = _event_params(app, type, None, last, None)
            try:
                async with self._client._http.stream(
                    "GET", "/events/stream", params=params, timeout=httpx.Timeout(30, read=90)
                ) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        raise error_from_response(response)
                    event_id: str | None = None
                    data: list[str] = []
                    async for line in response.aiter_lines():
                        if line.startswith("id:"):
                            event_id = line[3:].strip()
                        elif line.startswith("data:"):
                            data.append(line[5:].lstrip())
                        elif line == "" and data:
                            event = Event.model_validate_json("\n".join(data))
                            last = f"cur_{event_id}" if event_id else last
                            event_id, data = None, []
                            yield event
            except (httpx.ReadTimeout, httpx.RemoteProtocolError):
                continue


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
        self.events = _AsyncEvents(self)

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
