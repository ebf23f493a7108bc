"""Hostile and sloppy input at the gateway and control API: what must never cross, what is
refused, and that a refusal changes nothing (RFC 9110 §7.6.1 and the attack list)."""

from __future__ import annotations

import httpx

from tests.control.test_connections import api, assert_error
from tests.support.echo import EchoUpstream
from tests.support.process import TrunklineProcess


def test_hop_by_hop_and_proxy_headers_never_reach_the_provider(stack: TrunklineProcess) -> None:
    r = api(
        stack,
        "GET",
        "/quo/v1/echo",
        headers={
            "Connection": "x-secret, keep-alive",
            "X-Secret": "named in Connection",
            "Proxy-Connection": "keep-alive",
            "Forwarded": "for=10.0.0.1",
            "X-Forwarded-For": "10.0.0.1",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
            "X-Real-IP": "10.0.0.1",
            "Via": "1.1 someproxy",
            "X-Keep": "yes",
        },
    )
    assert r.status_code == 200, r.text
    seen = {k.lower() for k in r.json()["headers"]}
    for name in (
        "x-secret",
        "proxy-connection",
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-real-ip",
        "via",
    ):
        assert name not in seen, name
    assert "x-keep" in seen


def test_provider_cookies_and_hop_headers_never_reach_the_caller(stack: TrunklineProcess) -> None:
    r = api(stack, "GET", "/quo/cookies")
    assert r.status_code == 200
    assert "set-cookie" not in r.headers and "x-hop" not in r.headers
    assert r.headers["x-kept"] == "yes"


def test_connect_trace_and_unknown_methods_are_refused(
    stack: TrunklineProcess, echo: tuple[str, EchoUpstream]
) -> None:
    before = len(echo[1].seen)
    for method in ("TRACE", "PROPFIND", "CONNECT", "BREW"):
        r = httpx.request(method, stack.url + "/quo/v1/echo", headers=stack.headers())
        if r.status_code == 405:
            assert_error(r, 405, "method_not_allowed")
        else:  # the HTTP parser itself refuses methods it does not know
            assert r.status_code == 400, (method, r.status_code)
    assert len(echo[1].seen) == before  # nothing was forwarded


def test_two_authorization_headers_are_refused_everywhere(stack: TrunklineProcess) -> None:
    key = stack.headers()["Authorization"]
    headers = [("Authorization", key), ("Authorization", "Bearer tk_live_other")]
    for path in ("/quo/v1/echo", "/connections"):
        r = httpx.get(stack.url + path, headers=headers)
        assert_error(r, 400, "duplicate_header")


def test_control_bodies_are_bounded(stack: TrunklineProcess) -> None:
    def chunks() -> object:
        for _ in range(4096):  # 256 MiB offered; refused after the first 256 KiB
            yield b"x" * 65536

    r = httpx.post(
        stack.url + "/connections", headers=stack.headers(), content=chunks(), timeout=30
    )  # type: ignore[arg-type]
    assert_error(r, 413, "payload_too_large")
    deep: object = {}
    for _ in range(253):
        deep = {"a": deep}
    r = api(stack, "POST", "/connections", json={"app": "quo", "metadata": deep})
    assert_error(r, 400, "invalid_request")
    wide = {"app": "quo", "metadata": {str(i): i for i in range(5000)}}
    assert_error(api(stack, "POST", "/connections", json=wide), 400, "invalid_request")
    assert api(stack, "GET", "/connections").status_code == 200  # listing still works


def test_nul_bytes_are_a_clean_400(stack: TrunklineProcess) -> None:
    assert_error(api(stack, "GET", "/connections?app=%00"), 400, "invalid_request")
    assert_error(api(stack, "GET", "/events?app=%00"), 400, "invalid_request")
    r = api(stack, "POST", "/connections", json={"app": "quo", "metadata": {"a\u0000": 1}})
    assert_error(r, 400, "invalid_request")


def test_the_connect_page_answers_malformed_forms_with_a_page(stack: TrunklineProcess) -> None:
    conn = api(stack, "POST", "/connections", json={"app": "quo"}).json()["connection"]
    r = httpx.post(
        stack.url + "/connect",
        content=b"--x\r\n",
        headers={"Content-Type": "multipart/form-data"},  # no boundary
    )
    assert r.status_code == 400 and "Traceback" not in r.text and "<html" in r.text
    big = httpx.post(
        stack.url + "/connect",
        data={"session_token": "x", "api_key": "k" * (1024 * 1024)},
    )
    assert 400 <= big.status_code < 500 and "Traceback" not in big.text
    still = api(stack, "GET", f"/connections/{conn['connection_id']}").json()["connection"]
    assert still["status"] == "PENDING"
