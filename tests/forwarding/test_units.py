"""The pure parts: address rules, type patterns, the retry schedule, signing."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from standardwebhooks.webhooks import Webhook

from trunkline.errors import InvalidRequest
from trunkline.forwarding import patterns
from trunkline.forwarding.guard import (
    GuardedResolver,
    UnsafeAddress,
    check_destination,
    check_literal,
    is_public,
)
from trunkline.forwarding.schedule import MAX_RETRY_AFTER, RetryPolicy, parse_retry_after
from trunkline.forwarding.sender import message_id, new_secret, signed_headers
from trunkline.settings import Settings

PRIVATE = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.31.255.255",
    "192.168.0.10",
    "169.254.169.254",
    "100.64.1.1",
    "0.0.0.0",
    "192.0.2.1",
    "198.18.0.1",
    "224.0.0.251",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.1.1.1",
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "::127.0.0.1",
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "1.1.1.1"]


@pytest.mark.parametrize("address", PRIVATE)
def test_non_public_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


async def test_names_are_resolved_when_saved() -> None:
    with pytest.raises(InvalidRequest) as refused:
        await check_destination("http://localhost:8080/x", allow_private=False)
    assert refused.value.wire_code == "destination_not_allowed"
    with pytest.raises(InvalidRequest, match="does not resolve"):
        await check_destination("https://no-such-host.invalid/x", allow_private=False)
    assert await check_destination("http://localhost/x", allow_private=True)
    assert await check_destination("https://[2606:4700:4700::1111]/x", allow_private=False)


async def test_delivery_time_checks() -> None:
    with pytest.raises(UnsafeAddress):
        check_literal("http://127.0.0.1:1/x", allow_private=False)
    with pytest.raises(UnsafeAddress):
        check_literal("file:///etc/passwd", allow_private=True)
    check_literal("http://127.0.0.1:1/x", allow_private=True)
    check_literal("http://example.com/x", allow_private=False)  # names: the resolver's job
    resolver = GuardedResolver(allow_private=False)
    with pytest.raises(UnsafeAddress):
        await resolver.resolve("localhost", 80)
    assert await GuardedResolver(allow_private=True).resolve("localhost", 80)
    await resolver.close()


def test_patterns() -> None:
    assert patterns.matches(["message.*"], "message.received")
    assert patterns.matches(["message.*"], "message.delivery.failed")
    assert not patterns.matches(["message.*"], "messages.received")
    assert not patterns.matches(["message.*"], "message")
    assert patterns.matches(["call.completed", "*"], "anything")
    assert patterns.matches(["call.completed"], "call.completed")
    assert not patterns.matches(["call.completed"], "call.completed.late")
    assert not patterns.matches([], "x")
    assert patterns.checked(["a.b", "a.*", "a.b"]) == ["a.b", "a.*"]
    for bad in ([], ["a.*.b"], ["*a"], ["a b"], ["é.x"], ["a."], ["x" * 81], ["*"] * 0):
        with pytest.raises(InvalidRequest):
            patterns.checked(bad)


def test_schedule_full_jitter_within_the_window() -> None:
    policy = RetryPolicy(schedule=(5, 30, 120), window=3600, max_attempts=50)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    give_up = start + timedelta(seconds=3600)
    for attempts, ceiling in ((1, 5), (2, 30), (3, 120), (4, 120), (20, 120)):
        waits = []
        for _ in range(200):
            later = policy.next_attempt(attempts, give_up, at=start)
            assert later is not None
            waits.append((later - start).total_seconds())
        assert min(waits) >= 0 and max(waits) <= ceiling
        assert max(waits) > ceiling / 2  # spread over the range, not a fixed step
    near_end = give_up - timedelta(seconds=1)
    assert policy.next_attempt(3, give_up, at=near_end) <= give_up  # type: ignore[operator]
    assert policy.next_attempt(3, give_up, at=give_up) is None
    assert policy.next_attempt(50, give_up, at=start) is None


def test_retry_after_is_a_bounded_floor() -> None:
    policy = RetryPolicy(schedule=(1,), window=86400 * 2)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    give_up = start + timedelta(days=2)
    later = policy.next_attempt(1, give_up, retry_after=120, at=start)
    assert later == start + timedelta(seconds=120)
    later = policy.next_attempt(1, give_up, retry_after=10**7, at=start)
    assert later == start + timedelta(seconds=MAX_RETRY_AFTER)


def test_parse_retry_after() -> None:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(format_datetime(at + timedelta(seconds=90), usegmt=True), at) == 90
    assert parse_retry_after(format_datetime(at - timedelta(seconds=90), usegmt=True), at) == 0
    for junk in (None, "", "soon", "-5", "1.5"):
        assert parse_retry_after(junk) is None


def test_policy_from_settings() -> None:
    policy = RetryPolicy.from_settings(Settings())
    assert policy.schedule == (5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200)
    assert policy.window == 86400 and policy.max_attempts == 15 and policy.disable_after == 5


def test_signatures_verify_with_the_standard_library() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and secret != new_secret()
    msg = message_id("evt_1", "dst_1")
    assert msg == message_id("evt_1", "dst_1") != message_id("evt_1", "dst_2")
    body = '{"id":"evt_1","data":{"text":"héllo"}}'
    headers = signed_headers(secret, msg, body, datetime.now(UTC))
    assert Webhook(secret).verify(body.encode(), headers) == {
        "id": "evt_1",
        "data": {"text": "héllo"},
    }
    with pytest.raises(Exception, match="signature"):
        Webhook(new_secret()).verify(body.encode(), headers)
