"""Schemathesis against the live sandbox: no 5xx, every response as the spec documents it.

Rate limits are off and webhooks are never attempted (``webhook_attempts=0``): fuzzed webhook
URLs point anywhere and the tests only talk to 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.servers import serve_asgi
from trunkline.sandbox.quo import create_app

from .helpers import NORTHWIND, quo_config

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "openphone-v1.openapi.json"
schema = schemathesis.openapi.from_path(SPEC_PATH)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_url() -> Iterator[str]:
    app = create_app(quo_config(webhook_attempts=0))
    with serve_asgi(app) as url:
        yield url


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_quo_api_conforms(case: schemathesis.Case[Any], fuzz_url: str) -> None:
    response = case.call(base_url=fuzz_url, headers={"Authorization": NORTHWIND["apiKey"]})
    case.validate_response(response, checks=CHECKS)
