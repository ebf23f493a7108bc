"""The trunkline key in each provider's own credential slot, over real HTTP (echo upstream)."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess

Echo = tuple[str, echo_mod.EchoUpstream]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def get(stack: TrunklineProcess, path: str, **headers: str) -> httpx.Response:
    return httpx.get(stack.url + path, headers=headers, timeout=30)


def key(stack: TrunklineProcess) -> str:
    assert stack.api_key is not None
    return stack.api_key


def test_quo_takes_the_raw_key(stack: TrunklineProcess) -> None:
    r = get(stack, "/quo/v1/echo", Authorization=key(stack))
    assert r.status_code == 200, r.text
    assert r.json()["headers"]["authorization"] == echo_mod.EXPECTED_AUTH["quo"]


@pytest.mark.parametrize("form", ['Token token="{}"', "Token token={}", 'token  token = "{}"'])
def test_callrail_takes_the_token_form(stack: TrunklineProcess, form: str) -> None:
    r = get(stack, "/callrail/v3/echo", Authorization=form.format(key(stack)))
    assert r.status_code == 200, r.text
    assert r.json()["headers"]["authorization"] == echo_mod.EXPECTED_AUTH["callrail"]


def test_twilio_takes_basic_and_the_username_picks_the_account(stack: TrunklineProcess) -> None:
    r = get(stack, "/twilio/2010-04-01/x", Authorization=basic(echo_mod.TWILIO_SID, key(stack)))
    assert r.status_code == 200, r.text
    assert r.json()["headers"]["authorization"] == echo_mod.EXPECTED_AUTH["twilio"]
    # A username that is no Account SID (an API key SID, anything): the default connection.
    r = get(stack, "/twilio/2010-04-01/x", Authorization=basic("SK" + "0" * 32, key(stack)))
    assert r.status_code == 200
    # An Account SID no connection has: never another account's credential.
    other = "AC" + "2" * 32
    r = get(stack, "/twilio/2010-04-01/x", Authorization=basic(other, key(stack)))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "connection_not_found"
    assert other in r.json()["error"]["message"]
    # Maton-Connection still decides when it is sent.
    r = get(
        stack,
        "/twilio/2010-04-01/x",
        Authorization=basic(other, key(stack)),
        **{"Maton-Connection": stack.connections["twilio"]},  # type: ignore[attr-defined]
    )
    assert r.status_code == 200


def test_bearer_works_everywhere(stack: TrunklineProcess) -> None:
    for app in ("quo", "callrail", "twilio"):
        r = get(stack, f"/{app}/v1/echo", Authorization=f"Bearer {key(stack)}")
        assert r.status_code == 200


@pytest.mark.parametrize(
    ("app", "authorization"),
    [
        ("quo", echo_mod.QUO_KEY),  # the provider's real key in its own slot
        ("quo", f"Bearer {echo_mod.QUO_KEY}"),
        ("quo", 'Token token="tk_x"'),  # another app's slot form
        ("callrail", f'Token token="{echo_mod.CALLRAIL_KEY}"'),
        ("callrail", "Token token="),
        ("callrail", "Token other=tk_x"),
        ("callrail", "tk_x"),  # raw is not CallRail's slot
        ("twilio", basic(echo_mod.TWILIO_SID, echo_mod.TWILIO_TOKEN)),
        ("twilio", basic("tk_x", "")),  # the key as the username is not the slot
        ("twilio", "Basic !!!notbase64"),
        ("twilio", "tk_x"),
        ("ringcentral", "Bearer some-oauth-access-token"),
        ("ringcentral", "tk_x"),
        ("nosuchapp", "tk_x"),
    ],
)
def test_anything_but_a_trunkline_key_is_401_and_never_forwarded(
    stack: TrunklineProcess, echo: Echo, app: str, authorization: str
) -> None:
    before = len(echo[1].seen)
    r = get(stack, f"/{app}/v1/echo", Authorization=authorization)
    assert r.status_code == 401, r.text
    error = r.json()["error"]
    assert error["code"] == "unauthorized" and error["request_id"] == r.headers["x-request-id"]
    assert len(echo[1].seen) == before


def test_a_wrong_trunkline_key_in_a_native_slot_is_401(stack: TrunklineProcess) -> None:
    r = get(stack, "/quo/v1/echo", Authorization="tk_live_not-a-real-key")
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "invalid or revoked API key"


def test_the_401_says_where_the_key_goes(stack: TrunklineProcess) -> None:
    message = get(stack, "/callrail/v3/x").json()["error"]["message"]
    assert "Bearer <key>" in message and 'Token token="<key>"' in message


def test_the_control_api_takes_only_bearer(stack: TrunklineProcess) -> None:
    for authorization in (key(stack), f'Token token="{key(stack)}"', basic("AC1", key(stack))):
        r = get(stack, "/connections", Authorization=authorization)
        assert r.status_code == 401, authorization
    assert get(stack, "/connections", Authorization=f"Bearer {key(stack)}").status_code == 200


def test_our_own_request_headers_are_not_forwarded(stack: TrunklineProcess) -> None:
    r = get(stack, "/quo/v1/echo", Authorization=key(stack), **{"Trunkline-Raw-Links": "1"})
    sent = r.json()["headers"]
    assert "trunkline-raw-links" not in sent
    assert r.headers["x-request-id"]
