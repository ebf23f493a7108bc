"""Path safety: what may follow ``/{app}`` and reach a provider."""

from __future__ import annotations

import pytest

from trunkline.errors import InvalidRequest
from trunkline.gateway.paths import safe_upstream_path

REFUSED = [
    "//evil.example/x",
    "/v1/../admin",
    "/v1/./x",
    "/v1/%2e%2e/x",
    "/v1/%2E./x",
    "/v1/..;/x",
    "/v1/.;/x",
    "/v1/..;jsessionid=1/x",
    "/v1/..%09/x",
    "/v1/..%20/x",
    "/v1/%252e%252e/x",
    "/v1/%c0%ae%c0%ae/x",
    "/v1/%e0%80%ae/x",
    "/v1/a%2fb",
    "/v1/a%5cb",
    "/v1/a\\b",
    "/v1/a%00b",
    "/v1/a%0d%0aHost:x",
    "/v1/a\x00b",
]
ALLOWED = [
    "/v1/messages",
    "/v1/contacts/abc.def",
    "/v1/a...b/c",
    "/2010-04-01/Accounts/AC1/Messages.json",
    "/v3/a/ACC1/calls.json",
    "/v1/search%20term",
    "/v1/%E2%9C%93",
    "/",
]


@pytest.mark.parametrize("path", REFUSED)
def test_ambiguous_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        safe_upstream_path(path)
    assert caught.value.wire_code == "invalid_path"


@pytest.mark.parametrize("path", ALLOWED)
def test_ordinary_paths_pass_unchanged(path: str) -> None:
    assert safe_upstream_path(path) == path
