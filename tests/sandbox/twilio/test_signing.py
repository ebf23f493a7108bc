"""X-Twilio-Signature matches Twilio's published vectors and twilio's RequestValidator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from trunkline.sandbox.twilio.signing import signature

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "specs" / "webhook-test-vectors.json").read_text()
)["twilio"]["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_published_vectors(case: dict) -> None:
    if "body" in case:
        params: list[tuple[str, str]] = []  # JSON bodies: the URL carries bodySHA256
    elif "params_multi" in case:
        params = [tuple(p) for p in case["params_multi"]]
    else:
        params = list(case["params"].items())
    assert signature(case["auth_token"], case["url"], params) == case["expected"]


def test_request_validator_accepts_our_signature() -> None:
    url = "http://127.0.0.1:9999/hook?x=1"
    params = [("Body", "hi"), ("From", "+14155550000"), ("MediaUrl0", "https://e.x/a.png")]
    assert RequestValidator("secret-token").validate(
        url, dict(params), signature("secret-token", url, params)
    )
    assert not RequestValidator("other-token").validate(
        url, dict(params), signature("secret-token", url, params)
    )
