"""Every published (or independently computed) vector in the webhook test-vector file verifies
with the catalogue's declaration, and the negative one is refused."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from trunkline.errors import Unauthorized
from trunkline.events.schemes import verify

from .helpers import at, declaration, vectors

VECTORS = vectors()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _twilio_request(case: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    if "body" in case:
        return case["body"].encode(), json.loads(case["body"])
    pairs = [tuple(p) for p in case.get("params_multi") or case["params"].items()]
    expected: dict[str, Any] = {}
    for name, value in pairs:
        expected.setdefault(name, []).append(value)
    flat = {k: v[0] if len(v) == 1 else v for k, v in expected.items()}
    return urlencode(pairs).encode(), flat


@pytest.mark.parametrize("case", VECTORS["twilio"]["cases"], ids=lambda c: c["name"])
def test_twilio_vectors(case: dict[str, Any]) -> None:
    body, payload = _twilio_request(case)
    headers = {**FORM, "X-Twilio-Signature": case["expected"]}
    verified = verify(
        declaration("twilio"),
        method="POST",
        url=case["url"],
        headers=headers,
        body=body,
        secret=case["auth_token"],
        now=at(0),
    )
    assert verified.scheme == "twilio"
    assert verified.payload == payload
    assert verified.timestamp is None


@pytest.mark.parametrize(
    ("signed_over", "called"),
    [
        (
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
        ),
        (
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
        ),
        (
            "http://mycompany.com:80/myapp.php?foo=1&bar=2",
            "http://mycompany.com/myapp.php?foo=1&bar=2",
        ),
    ],
)
def test_twilio_default_port_either_way(signed_over: str, called: str) -> None:
    case = next(c for c in VECTORS["twilio"]["cases"] if c.get("url") == signed_over)
    body, _ = _twilio_request(case)
    headers = {**FORM, "X-Twilio-Signature": case["expected"]}
    twilio = declaration("twilio")
    verify(twilio, method="POST", url=called, headers=headers, body=body, secret="12345", now=at(0))


def test_twilio_port_1234_is_not_guessed_away() -> None:
    case = next(c for c in VECTORS["twilio"]["cases"] if ":1234" in c.get("url", ""))
    body, _ = _twilio_request(case)
    headers = {**FORM, "X-Twilio-Signature": case["expected"]}
    with pytest.raises(Unauthorized):
        verify(
            declaration("twilio"),
            method="POST",
            url=case["url"].replace(":1234", ":4321"),
            headers=headers,
            body=body,
            secret="12345",
            now=at(0),
        )


@pytest.mark.parametrize("case", VECTORS["callrail"]["cases"], ids=lambda c: c["name"])
def test_callrail_vectors(case: dict[str, Any]) -> None:
    body = case["body"].encode()
    assert len(body) == case["body_length_bytes"]
    verified = verify(
        declaration("callrail"),
        method="POST",
        url="https://trunkline.example/webhooks/callrail/tok",
        headers={"Signature": case["expected"], "Content-Type": "application/json"},
        body=body,
        secret=case["signing_key"],
        now=at(0),
    )
    assert verified.payload["id"] == 766970532
    assert verified.delivery_id is not None and verified.delivery_id.startswith("sha256:")


@pytest.mark.parametrize("case", VECTORS["openphone"]["cases"], ids=lambda c: c["name"])
def test_quo_legacy_vectors(case: dict[str, Any]) -> None:
    verified = verify(
        declaration("quo"),
        method="POST",
        url="https://trunkline.example/webhooks/quo/tok",
        headers={"openphone-signature": case["expected_header"]},
        body=case["body"].encode(),
        secret=case["signing_key_b64"],
        now=at(int(case["timestamp"]) / 1000 + 5),
    )
    assert verified.scheme == "quo-hmac"
    assert verified.delivery_id == "EVc67ec998b35c41d388af50799aeeba3e"
    assert verified.timestamp == at(int(case["timestamp"]) / 1000)
    assert case["expected_header"].endswith(case["expected_digest"])


DATED = VECTORS["quo_2026_03_30"]["cases"]


def _dated(case: dict[str, Any], secret: str, header: str) -> Any:
    return verify(
        declaration("quo"),
        method="POST",
        url="https://trunkline.example/webhooks/quo/tok",
        headers={
            "webhook-id": case["webhook_id"],
            "webhook-timestamp": case["webhook_timestamp"],
            "webhook-signature": header,
        },
        body=case["body"].encode("utf-8"),
        secret=secret,
        now=at(int(case["webhook_timestamp"]) + 60),
    )


@pytest.mark.parametrize(
    "case", [c for c in DATED if c.get("expected_valid", True)], ids=lambda c: c["name"]
)
def test_quo_dated_vectors(case: dict[str, Any]) -> None:
    verified = _dated(case, case["secret"], case["expected_header"])
    assert verified.scheme == "standard-webhooks"
    assert verified.delivery_id == case["webhook_id"]
    assert verified.timestamp == at(int(case["webhook_timestamp"]))
    assert verified.payload == json.loads(case["body"])
    if "body_length_bytes" in case:
        assert len(case["body"].encode("utf-8")) == case["body_length_bytes"]


def test_quo_dated_rotation_accepts_either_key() -> None:
    case = next(c for c in DATED if "secret_previous" in c)
    for secret in (case["secret"], case["secret_previous"]):
        assert _dated(case, secret, case["expected_header"]).delivery_id == case["webhook_id"]
    # Each single entry matches its own key only.
    _dated(case, case["secret_previous"], case["expected_signature_previous_key"])
    with pytest.raises(Unauthorized):
        _dated(case, case["secret"], case["expected_signature_previous_key"])
    # A receiver holding both keys (mid-rotation) accepts the old signature too.
    both = [case["secret"], case["secret_previous"]]
    assert _dated(case, both, case["expected_signature_previous_key"]).scheme == "standard-webhooks"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "case", [c for c in DATED if not c.get("expected_valid", True)], ids=lambda c: c["name"]
)
def test_quo_dated_negative_vectors(case: dict[str, Any]) -> None:
    with pytest.raises(Unauthorized):
        _dated(case, case["secret"], case["header"])
    # ... while the signature the vector says the altered body would need does pass.
    assert _dated(case, case["secret"], case["expected_signature"]).scheme == "standard-webhooks"
