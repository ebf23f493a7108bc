"""Typed views of the providers' main resources, as the typed helpers return them.

Field names are the providers' own (their specs under ``tests/specs/``), snake_case in Python
with the provider's spelling as the alias (``phone_number_id`` ← ``phoneNumberId``; ``from_`` ←
``from``). Only the fields people read most are declared; every other field the provider sends
is kept too (``extra="allow"``): ``message.model_extra`` or ``message.model_dump(by_alias=True)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProviderModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class QuoMessage(ProviderModel):
    """A Quo text message (``POST /v1/messages``, ``GET /v1/messages``)."""

    id: str
    from_: str = Field(alias="from")
    to: list[str]
    text: str | None = None
    phone_number_id: str | None = Field(default=None, alias="phoneNumberId")
    direction: str
    user_id: str | None = Field(default=None, alias="userId")
    status: str
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")


class QuoCall(ProviderModel):
    """A Quo call (v1 ``GET /v1/calls/{id}`` and the dated ``GET /calls``). ``participants``
    are E.164 numbers in v1 and ``{"phoneNumber", "actorId"}`` objects in the dated API."""

    id: str
    phone_number_id: str | None = Field(default=None, alias="phoneNumberId")
    direction: str
    status: str
    participants: list[str | dict[str, Any]]
    duration: int | None = None
    user_id: str | None = Field(default=None, alias="userId")
    created_at: datetime = Field(alias="createdAt")
    answered_at: datetime | None = Field(default=None, alias="answeredAt")
    completed_at: datetime | None = Field(default=None, alias="completedAt")


class QuoCallDetails(ProviderModel):
    """``quo.get_call``: the call with its parts; a part that does not exist is None."""

    call: QuoCall
    recordings: Any = None
    transcript: Any = None
    summary: Any = None
    voicemail: Any = None


class QuoContact(ProviderModel):
    """A Quo contact (``/v1/contacts``): names, company, phones and emails in ``default_fields``."""

    id: str
    external_id: str | None = Field(default=None, alias="externalId")
    source: str | None = None
    default_fields: dict[str, Any] = Field(default_factory=dict, alias="defaultFields")
    custom_fields: list[Any] = Field(default_factory=list, alias="customFields")
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")


class TwilioMessage(ProviderModel):
    """A Twilio Message (``/2010-04-01/Accounts/{sid}/Messages``)."""

    sid: str
    account_sid: str
    from_: str | None = Field(default=None, alias="from")
    to: str
    body: str | None = None
    status: str
    direction: str
    num_segments: str | None = None
    price: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    date_created: str | None = None
    date_sent: str | None = None


class TwilioCall(ProviderModel):
    """A Twilio Call (``/2010-04-01/Accounts/{sid}/Calls``)."""

    sid: str
    account_sid: str
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    status: str
    direction: str | None = None
    duration: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    date_created: str | None = None
    parent_call_sid: str | None = None


class CallRailCall(ProviderModel):
    """A CallRail call (``/v3/a/{account}/calls.json``)."""

    id: str
    answered: bool | None = None
    direction: str | None = None
    duration: int | None = None
    customer_name: str | None = None
    customer_phone_number: str | None = None
    tracking_phone_number: str | None = None
    business_phone_number: str | None = None
    start_time: datetime | None = None
    voicemail: bool | None = None
    recording: str | None = None
