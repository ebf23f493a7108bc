"""Shared pieces of the webhook tests: the catalogue's declarations, the vectors, signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trunkline.catalogue import Catalogue
from trunkline.catalogue.models import Webhooks

SPECS = Path(__file__).resolve().parents[1] / "specs"
CATALOGUE = Catalogue.load()


def declaration(app: str) -> Webhooks:
    webhooks = CATALOGUE.providers[app].webhooks
    assert webhooks is not None
    return webhooks


def vectors() -> dict[str, Any]:
    found: dict[str, Any] = json.loads((SPECS / "webhook-test-vectors.json").read_text("utf-8"))
    dated = json.loads((SPECS / "quo-2026-03-30.webhook-test-vectors.json").read_text("utf-8"))
    found["quo_2026_03_30"] = dated["quo_2026_03_30"]
    return found


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def quo_header(key_b64: str, timestamp_ms: str, body: bytes) -> str:
    mac = hmac.new(base64.b64decode(key_b64), timestamp_ms.encode() + b"." + body, hashlib.sha256)
    return f"hmac;1;{timestamp_ms};{base64.b64encode(mac.digest()).decode()}"


def callrail_signature(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha1).digest()).decode()
