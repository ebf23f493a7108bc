"""The control API's resources: ``client.connections``, ``client.events``, ``client.apps``
(sync and async twins), over a client's ``_control`` calls."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from trunkline.client._errors import error_from_response
from trunkline.client._models import App, Connection, Event, EventPage

if TYPE_CHECKING:
    from trunkline.client._client import AsyncTrunkline, Trunkline

CURSOR_PAGE = 100


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise error_from_response(response)
    return response


class Apps:
    """The apps (providers) this trunkline serves; ``client.apps()`` is ``client.apps.list()``."""

    def __init__(self, client: Trunkline) -> None:
        self._client = client

    def list(self) -> list[App]:
        return [App.model_validate(a) for a in self._client._control("GET", "/apps")["apps"]]

    def __call__(self) -> builtins.list[App]:
        return self.list()


class Connections:
    def __init__(self, client: Trunkline) -> None:
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


class Events:
    """The event inbox: what providers told trunkline (texts received, calls missed, ...)."""

    def __init__(self, client: Trunkline) -> None:
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

    def cursor(self, *, type: str | None = None, app: str | None = None) -> str:
        """The cursor after the newest event: ``wait(after=...)`` from it sees only new ones."""
        cursor: str | None = None
        while True:
            page = self.list(type=type, app=app, after=cursor, limit=CURSOR_PAGE)
            cursor = page.next_cursor
            if len(page.events) < CURSOR_PAGE:
                return cursor

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


class AsyncApps:
    def __init__(self, client: AsyncTrunkline) -> None:
        self._client = client

    async def list(self) -> list[App]:
        body = await self._client._control("GET", "/apps")
        return [App.model_validate(a) for a in body["apps"]]

    async def __call__(self) -> builtins.list[App]:
        return await self.list()


class AsyncEvents:
    def __init__(self, client: AsyncTrunkline) -> None:
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

    async def cursor(self, *, type: str | None = None, app: str | None = None) -> str:
        cursor: str | None = None
        while True:
            page = await self.list(type=type, app=app, after=cursor, limit=CURSOR_PAGE)
            cursor = page.next_cursor
            if len(page.events) < CURSOR_PAGE:
                return cursor

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


class AsyncConnections:
    def __init__(self, client: AsyncTrunkline) -> None:
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
