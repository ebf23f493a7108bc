"""Schemathesis against the live sandbox: no 5xx, every response as the spec documents it.

Rate limits are off and webhooks are never attempted (``webhook_attempts=0``): fuzzed webhook
URLs point anywhere and the tests only talk to 127.0.0.1. The one tolerated difference is the
generic 400 for malformed input (see ``conftest.is_generic_400`` and docs/sandboxes/quo.md).
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

from .conftest import GENERIC_400
from .helpers import NORTHWIND, quo_config

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "openphone-v1.openapi.json"
schema = schemathesis.openapi.from_path(SPEC_PATH)


def schema_or_generic_400(ctx: Any, response: Any, case: Any) -> bool | None:
    """The spec's schema, except for malformed input's generic "Bad Request" body."""
    if response.status_code == 400:
        body = response.json()
        if body.get("title") == "Bad Request" and GENERIC_400.match(str(body.get("code"))):
            return None
    result: bool | None = response_schema_conformance(ctx, response, case)
    return result


CHECKS = [not_a_server_error, status_code_conformance, schema_or_generic_400]


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
