"""Typed views of the control API's objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["PENDING", "ACTIVE", "FAILED"]


class Connection(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    connection_id: str
    status: Status
    app: str
    method: str | None = None
    creation_time: datetime
    last_updated_time: datetime
    url: str | None = None
    mode: Literal["test", "live"] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class User(BaseModel):
    """``GET /user``: the account and key behind the API key in use."""

    model_config = ConfigDict(extra="allow", frozen=True)

    account_id: str
    account_name: str
    key_id: str
    mode: Literal["test", "live"]


class CredentialFieldInfo(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    title: str
    help: str = ""
    secret: bool = True
    pattern: str | None = None


class App(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    app: str
    name: str
    method: str
    docs_url: str
    credentials: list[CredentialFieldInfo] = Field(default_factory=list)


class Event(BaseModel):
    """One provider event from the inbox (``GET /events``), the same for every provider."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    app: str
    connection_id: str
    mode: Literal["test", "live"]
    type: str
    occurred_at: datetime
    received_at: datetime
    data: dict[str, Any] = Field(default_factory=dict)
    raw: Any = None


class EventPage(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    events: list[Event]
    next_cursor: str


class ActionResult(BaseModel):
    """What ``client.actions.run`` returns: ``data`` for one-shot actions; ``items``, ``count``
    and ``next_cursor`` for listing ones; the ``idempotency_key`` sent for costly ones."""

    model_config = ConfigDict(extra="allow", frozen=True)

    action: str
    connection: str | None = None
    data: Any = None
    items: list[Any] | None = None
    count: int | None = None
    next_cursor: str | None = None
    idempotency_key: str | None = None
