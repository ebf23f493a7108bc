"""The same scenarios on uvloop, the loop the gateway runs on in production: transports differ
(pause_reading, write buffers, start_tls), so the key ones run again there."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
import uvloop

from tests.upstream import (
    test_framing,
    test_pool,
    test_requests,
    test_streaming,
    test_timeouts,
    test_tls_proxy,
)
from tests.upstream.conftest import Certs
from trunkline.upstream import Timeouts, UpstreamPool

WithPool = Callable[[UpstreamPool], Awaitable[None]]
WithCerts = Callable[[Certs], Awaitable[None]]

WITH_POOL: dict[str, WithPool] = {
    "content-length": test_framing.test_content_length_body_headers_in_order_and_raw,
    "chunked": test_framing.test_chunked_with_extensions_and_trailers,
    "close-delimited": test_framing.test_close_delimited_body,
    "head": test_framing.test_head_has_no_body_and_keeps_the_connection,
    "garbage": lambda pool: test_framing.test_malformed_responses_raise_protocol_error(
        pool, test_framing.MALFORMED["garbage"]
    ),
    "early-close": lambda pool: test_framing.test_malformed_responses_raise_protocol_error(
        pool, test_framing.MALFORMED["closed-mid-chunked-body"]
    ),
    "keep-alive": test_pool.test_sequential_requests_share_one_connection,
    "stale-retry": lambda pool: test_pool.test_stale_connection_is_retried_once(
        pool, True, b"body"
    ),
    "no-stream-retry": test_pool.test_a_streamed_body_is_never_retried,
    "chunked-upload": test_requests.test_streamed_body_is_chunked,
    "early-answer": test_requests.test_early_answer_during_an_upload,
    "200mb-download": lambda pool: test_streaming.test_200_mb_download_in_flat_memory(
        pool, b"/chunked"
    ),
    "200mb-upload": lambda pool: test_streaming.test_200_mb_upload_in_flat_memory(pool, False),
}
ALONE: dict[str, Callable[[], Awaitable[None]]] = {
    "read-timeout": test_timeouts.test_read_timeout_waiting_for_the_head,
    "slow-consumer": test_timeouts.test_a_slow_consumer_is_not_a_read_timeout,
    "fairness": test_pool.test_a_blocked_tenant_does_not_block_the_queue,
    "shutdown": test_pool.test_close_shuts_everything_down,
}
WITH_CERTS: dict[str, WithCerts] = {
    "tls": test_tls_proxy.test_verified_tls_with_sni_and_keep_alive,
    "tls-untrusted": test_tls_proxy.test_an_untrusted_certificate_is_refused,
    "proxy-tunnel": test_tls_proxy.test_https_through_a_proxy_tunnels_with_auth,
}


def on_uvloop(main: Callable[[], Awaitable[None]]) -> None:
    async def wrapped() -> None:
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        await main()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(wrapped())


@pytest.mark.parametrize("scenario", WITH_POOL.values(), ids=WITH_POOL.keys())
def test_with_a_pool(scenario: WithPool) -> None:
    async def main() -> None:
        async with UpstreamPool(timeouts=Timeouts(connect=5, read=5, pool=5)) as pool:
            await scenario(pool)

    on_uvloop(main)


@pytest.mark.parametrize("scenario", ALONE.values(), ids=ALONE.keys())
def test_alone(scenario: Callable[[], Awaitable[None]]) -> None:
    on_uvloop(scenario)


@pytest.mark.parametrize("scenario", WITH_CERTS.values(), ids=WITH_CERTS.keys())
def test_with_certs(scenario: WithCerts, certs: Certs) -> None:
    on_uvloop(lambda: scenario(certs))
