"""Where the SDK, CLI and MCP server find the server and the key.

``TRUNKLINE_URL`` / ``TRUNKLINE_API_KEY``, falling back to Maton's ``MATON_API_BASE_URL`` /
``MATON_API_KEY`` so existing setups work unchanged.
"""

from __future__ import annotations

import os

from trunkline.client._errors import TrunklineClientError

DEFAULT_URL = "http://127.0.0.1:8470"


def resolve_base_url(explicit: str | None) -> str:
    value = explicit or os.environ.get("TRUNKLINE_URL") or os.environ.get("MATON_API_BASE_URL")
    return (value or DEFAULT_URL).rstrip("/")


def resolve_api_key(explicit: str | None) -> str:
    value = explicit or os.environ.get("TRUNKLINE_API_KEY") or os.environ.get("MATON_API_KEY")
    if not value:
        raise TrunklineClientError(
            "no API key: pass api_key=, or set TRUNKLINE_API_KEY (or MATON_API_KEY)"
        )
    return value
