"""The RingCentral sandbox on its own: OAuth 2.0 (code + PKCE, rotation, revocation) and the
REST slice, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.oauth.helpers import BASIC, CLIENT, CONTROL, control, hidden
from tests.support.servers import serve_asgi
from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.ringcentral import SANDBOX, create_app

REDIRECT = "http://127.0.0.1:9/callback"
API = "/restapi/v1.0/account/~/extension/~"


@pytest.fixture(scope="module")
def rc() -> Iterator[str]:
    with serve_asgi(create_app(SandboxConfig(speed=100))) as url:
        yield url


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorize(rc: str, decision: str = "approve", **extra: str) -> dict[str, list[str]]:
    params = {
        "response_type": "code",
        "client_id": CLIENT["client_id"],
        "redirect_uri": REDIRECT,
        "state": "st-1",
        **extra,
    }
    page = httpx.get(rc + "/restapi/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    assert page.headers["x-frame-options"] == "DENY"
    form = {k: hidden(page.text, k) for k in params}
    ext = re.search(r'<option value="([^"]+)"', page.text)
    assert ext
    r = httpx.post(
        rc + "/restapi/oauth/authorize",
        data={**form, "decision": decision, "extension_id": ext.group(1)},
    )
    assert r.status_code == 302
    location = urlsplit(r.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return parse_qs(location.query)


def token(rc: str, auth: bool = True, **form: str) -> httpx.Response:
    headers = {"Authorization": f"Basic {BASIC}"} if auth else {}
    return httpx.post(rc + "/restapi/oauth/token", data=form, headers=headers)


def signed_in(rc: str) -> dict[str, object]:
    verifier, challenge = pkce()
    code = authorize(rc, code_challenge=challenge, code_challenge_method="S256")["code"][0]
    r = token(
        rc,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def bearer(tokens: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def assert_oauth_error(r: httpx.Response, status: int, error: str, code: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error and body["errors"][0]["errorCode"] == code
    assert body["error_description"] == body["errors"][0]["message"]


def test_code_flow_with_pkce_and_the_token_shape(rc: str) -> None:
    tokens = signed_in(rc)
    assert set(tokens) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "scope",
        "owner_id",
        "endpoint_id",
    }
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3600
    assert tokens["refresh_token_expires_in"] == 7 * 24 * 3600
    me = httpx.get(rc + API, headers=bearer(tokens)).json()
    assert str(me["id"]) == tokens["owner_id"] and me["extensionNumber"] == "101"


def test_denied_consent_returns_access_denied_with_state(rc: str) -> None:
    answer = authorize(rc, decision="deny")
    assert answer["error"] == ["access_denied"] and answer["state"] == ["st-1"]
    assert "code" not in answer


def test_code_rules_verifier_replay_redirect_and_client(rc: str) -> None:
    verifier, challenge = pkce()
    code = authorize(rc, code_challenge=challenge, code_challenge_method="S256")["code"][0]
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    assert_oauth_error(token(rc, **base, code_verifier="x" * 43), 400, "invalid_grant", "OAU-240")
    assert_oauth_error(
        token(rc, **{**base, "redirect_uri": REDIRECT + "/other"}, code_verifier=verifier),
        400,
        "invalid_grant",
        "OAU-109",
    )
    bad_client = httpx.post(
        rc + "/restapi/oauth/token",
        data={**base, "code_verifier": verifier},
        headers={"Authorization": "Basic " + base64.b64encode(b"nobody:nothing").decode()},
    )
    assert_oauth_error(bad_client, 401, "invalid_client", "OAU-123")
    first = token(rc, **base, code_verifier=verifier)
    assert first.status_code == 200
    # A replayed code fails, and the session the first redemption started ends with it.
    assert_oauth_error(token(rc, **base, code_verifier=verifier), 400, "invalid_grant", "OAU-213")
    assert httpx.get(rc + API, headers=bearer(first.json())).status_code == 401


def test_public_client_may_use_pkce_without_the_secret(rc: str) -> None:
    verifier, challenge = pkce()
    code = authorize(rc, code_challenge=challenge)["code"][0]  # method defaults to plain
    r = token(
        rc,
        auth=False,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=challenge,
        client_id=CLIENT["client_id"],
    )
    assert r.status_code == 200, r.text
    code = authorize(rc)["code"][0]  # no PKCE: the secret is required
    r = token(
        rc,
        auth=False,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=CLIENT["client_id"],
    )
    assert_oauth_error(r, 401, "invalid_client", "OAU-123")
    assert verifier


def test_refresh_rotates_and_spends_the_old_pair(rc: str) -> None:
    first = signed_in(rc)
    r = token(rc, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    old = httpx.get(rc + API, headers=bearer(first))
    assert old.status_code == 401 and old.json()["errorCode"] == "TokenInvalid"
    assert httpx.get(rc + API, headers=bearer(second)).status_code == 200
    again = token(rc, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert_oauth_error(again, 400, "invalid_grant", "OAU-213")


def test_revocation_and_expiry(rc: str) -> None:
    tokens = signed_in(rc)
    r = httpx.post(
        rc + "/restapi/oauth/revoke",
        data={"token": tokens["refresh_token"]},
        headers={"Authorization": f"Basic {BASIC}"},
    )
    assert r.status_code == 200
    assert httpx.get(rc + API, headers=bearer(tokens)).status_code == 401
    again = token(rc, grant_type="refresh_token", refresh_token=str(tokens["refresh_token"]))
    assert_oauth_error(again, 400, "invalid_grant", "OAU-211")
    other = signed_in(rc)
    control(rc, "POST", "/_sandbox/tokens/expire", json={"access_token": other["access_token"]})
    expired = httpx.get(rc + API, headers=bearer(other))
    assert expired.status_code == 401
    assert expired.json()["errorCode"] == "TokenExpired"
    assert expired.json()["errors"][0]["errorCode"] == "OAU-213"


def test_lifetimes_knob_shortens_new_tokens(rc: str) -> None:
    control(rc, "POST", "/_sandbox/tokens/lifetimes", json={"access_token": 120})
    try:
        assert signed_in(rc)["expires_in"] == 120
    finally:
        control(rc, "POST", "/_sandbox/tokens/lifetimes", json={"access_token": 3600})
    r = httpx.post(rc + "/_sandbox/tokens/lifetimes", json={"access_token": 0}, headers=CONTROL)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_lifetime"
    assert httpx.get(rc + "/_sandbox").status_code == 401


def test_api_errors_in_ringcentral_shapes(rc: str) -> None:
    missing = httpx.get(rc + API)
    assert missing.status_code == 401 and missing.json()["errorCode"] == "AGW-401"
    tokens = signed_in(rc)
    h = bearer(tokens)
    nope = httpx.get(rc + "/restapi/v1.0/account/~/extension/999", headers=h)
    assert nope.status_code == 404 and nope.json()["errors"][0]["parameterName"] == "extensionId"
    bad = httpx.get(rc + API + "/call-log", params={"perPage": "0"}, headers=h)
    assert bad.status_code == 400 and bad.json()["errorCode"] == "CMN-101"
    assert bad.json()["errors"][0]["parameterName"] == "perPage"
    assert httpx.get(rc + "/restapi/v1.0/nothing", headers=h).status_code == 404
    narrow = authorize(rc, scope="ReadAccounts")["code"][0]
    r = token(rc, grant_type="authorization_code", code=narrow, redirect_uri=REDIRECT)
    sms = httpx.post(rc + API + "/sms", json={}, headers=bearer(r.json()))
    assert sms.status_code == 403 and sms.json()["errorCode"] == "InsufficientPermissions"
    unknown = httpx.get(
        rc + "/restapi/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "Nonsense",
        },
    )
    assert unknown.status_code == 302
    assert parse_qs(urlsplit(unknown.headers["location"]).query)["error"] == ["invalid_scope"]
    stranger = httpx.get(
        rc + "/restapi/oauth/authorize",
        params={"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT},
    )
    assert stranger.status_code == 400 and "location" not in stranger.headers


def test_account_and_call_log(rc: str) -> None:
    h = bearer(signed_in(rc))
    account = httpx.get(rc + "/restapi/v1.0/account/~", headers=h).json()
    assert account["mainNumber"] == "+16505550100" and account["status"] == "Confirmed"
    log = httpx.get(rc + API + "/call-log", headers=h).json()
    starts = [r["startTime"] for r in log["records"]]
    assert len(starts) == 4 and starts == sorted(starts, reverse=True)  # the last day only
    assert log["paging"]["totalElements"] == 4
    page = httpx.get(
        rc + API + "/call-log",
        params={
            "perPage": 2,
            "page": 2,
            "direction": "Inbound",
            "dateFrom": "2000-01-01T00:00:00Z",
        },
        headers=h,
    ).json()
    assert [r["direction"] for r in page["records"]] == ["Inbound", "Inbound"]
    assert page["paging"] == {
        "page": 2,
        "totalPages": 2,
        "perPage": 2,
        "totalElements": 4,
        "pageStart": 2,
        "pageEnd": 3,
    }
    assert "previousPage" in page["navigation"] and "nextPage" not in page["navigation"]
    one = page["records"][0]
    detailed = httpx.get(
        rc + API + f"/call-log/{one['id']}", params={"view": "Detailed"}, headers=h
    ).json()
    assert detailed["id"] == one["id"] and detailed["legs"][0]["direction"] == "Inbound"


def test_sms_moves_to_delivered_or_fails_for_unreachable_numbers(rc: str) -> None:
    h = bearer(signed_in(rc))
    send = {"from": {"phoneNumber": "+16505550101"}, "text": "Your showing is at 3pm"}
    ok = httpx.post(
        rc + API + "/sms", json={**send, "to": [{"phoneNumber": "+14155550123"}]}, headers=h
    )
    lost = httpx.post(
        rc + API + "/sms", json={**send, "to": [{"phoneNumber": "+14155550042"}]}, headers=h
    )
    assert ok.status_code == 200 and ok.json()["messageStatus"] == "Queued"
    assert ok.json()["type"] == "SMS" and ok.json()["direction"] == "Outbound"
    control(rc, "POST", "/_sandbox/clock/advance")
    store = rc + API + "/message-store/"
    assert httpx.get(store + str(ok.json()["id"]), headers=h).json()["messageStatus"] == "Delivered"
    assert httpx.get(store + str(lost.json()["id"]), headers=h).json()["messageStatus"] == (
        "DeliveryFailed"
    )
    wrong_from = httpx.post(
        rc + API + "/sms",
        json={
            **send,
            "from": {"phoneNumber": "+16505550102"},
            "to": [{"phoneNumber": "+14155550123"}],
        },
        headers=h,
    )
    assert wrong_from.status_code == 400 and wrong_from.json()["errorCode"] == "MSG-304"
    no_text = httpx.post(
        rc + API + "/sms",
        json={"from": send["from"], "to": [{"phoneNumber": "+14155550123"}]},
        headers=h,
    )
    assert no_text.status_code == 400 and no_text.json()["errorCode"] == "CMN-100"
    junk = httpx.post(rc + API + "/sms", content=b"{", headers=h)
    assert junk.status_code == 400


def test_state_survives_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(data_dir=tmp_path, speed=100)
    with serve_asgi(create_app(config)) as rc:
        tokens = signed_in(rc)
    with serve_asgi(create_app(config)) as rc:
        assert httpx.get(rc + API, headers=bearer(tokens)).status_code == 200
    assert (tmp_path / "sandbox" / "ringcentral.json").exists()


def test_seeded_session_backs_the_default_connection(rc: str) -> None:
    credentials = SANDBOX.credentials
    assert credentials["expires_at"] == "0"
    r = token(rc, grant_type="refresh_token", refresh_token=credentials["refresh_token"])
    assert r.status_code == 200
    control(rc, "POST", "/_sandbox/reset")  # and the seed is back, for the next test run
