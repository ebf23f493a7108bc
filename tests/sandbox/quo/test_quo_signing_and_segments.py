"""The signer against the published vector, and the segment arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trunkline.sandbox.quo import signing
from trunkline.sandbox.quo.segments import segment

VECTORS = Path(__file__).resolve().parents[2] / "specs" / "webhook-test-vectors.json"


def test_openphone_vector() -> None:
    [case] = json.loads(VECTORS.read_text())["openphone"]["cases"]
    body = case["body"].encode()
    header = signing.signature_header(case["signing_key_b64"], case["timestamp"], body)
    assert header == case["expected_header"]
    assert signing.verify(f"hmac;1;1;bogus, {header}", case["signing_key_b64"], body)
    assert not signing.verify(header, case["signing_key_b64"], body + b" ")


CASES = [
    ("a" * 160, "GSM-7", 1),
    ("a" * 161, "GSM-7", 2),
    ("a" * 306, "GSM-7", 2),
    ("a" * 307, "GSM-7", 3),
    ("{}" * 80, "GSM-7", 3),  # extension characters take two septets
    ("ç" * 70, "UCS-2", 1),
    ("ç" * 71, "UCS-2", 2),
    ("a" * 134 + "ç", "UCS-2", 3),
    ("😊" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
    ("😊" * 36, "UCS-2", 2),
]


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    CASES,
    ids=[f"{len(text)}x{text[-1].encode('unicode_escape').decode()}" for text, _, _ in CASES],
)
def test_segments(text: str, encoding: str, segments: int) -> None:
    result = segment(text)
    assert (result.encoding, result.segments, result.price_cents) == (encoding, segments, segments)
