"""Status callbacks reach the receiver in lifecycle order, even when ``/_sandbox/clock/advance``
queues them all at once and the receiver is slow to answer the first one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.sandbox.twilio.conftest import TwilioTarget
from tests.support.servers import serve_asgi

SLOW = {"sending", "initiated"}  # the first callback of each lifecycle takes a while to answer


@pytest.fixture
def slow_receiver() -> Iterator[tuple[str, list[dict[str, str]]]]:
    got: list[dict[str, str]] = []

    async def record(request: Request) -> PlainTextResponse:
        form = dict(parse_qsl((await request.body()).decode()))
        if form.get("MessageStatus", form.get("CallStatus")) in SLOW:
            await asyncio.sleep(0.3)
        got.append(form)
        return PlainTextResponse("<Response/>", media_type="application/xml")

    app = Starlette(routes=[Route("/{path:path}", record, methods=["POST"])])
    with serve_asgi(app) as url:
        yield url, got


def test_message_callbacks_follow_the_lifecycle(
    twilio_target: TwilioTarget, slow_receiver: tuple[str, list[dict[str, str]]]
) -> None:
    url, got = slow_receiver
    client = twilio_target.client()
    message = client.messages.create(
        to="+14155557300", from_="+14155552671", body="in order", status_callback=url + "/sms"
    )
    twilio_target.advance()
    statuses = [g["MessageStatus"] for g in got if g.get("MessageSid") == message.sid]
    assert statuses == ["sending", "sent", "delivered"]


def test_call_callbacks_follow_the_lifecycle(
    twilio_target: TwilioTarget, slow_receiver: tuple[str, list[dict[str, str]]]
) -> None:
    url, got = slow_receiver
    client = twilio_target.client()
    call = client.calls.create(
        to="+14155557301",
        from_="+14155552671",
        twiml="<Response><Say>Hi</Say></Response>",
        status_callback=url + "/call",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    twilio_target.advance()
    mine = [g for g in got if g.get("CallSid") == call.sid]
    assert [g["CallStatus"] for g in mine] == ["initiated", "ringing", "in-progress", "completed"]
    assert [g["SequenceNumber"] for g in mine] == ["0", "1", "2", "3"]
