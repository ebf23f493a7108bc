"""The SDK's provider models name only fields the providers' specs (tests/specs/) define."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from trunkline.client import (
    CallRailCall,
    QuoCall,
    QuoContact,
    QuoMessage,
    TwilioCall,
    TwilioMessage,
)
from trunkline.client.testing import sandboxed

SPECS = Path(__file__).resolve().parents[1] / "specs"


@cache
def spec(name: str) -> dict[str, Any]:
    return json.loads((SPECS / name).read_text())  # type: ignore[no-any-return]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        found: Any = document
        for part in schema["$ref"].split("/")[1:]:
            found = found[part]
        schema = found
    return schema


def data_fields(name: str, path: str, method: str, status: str) -> set[str]:
    """The properties of ``data`` (or of its items) in an answer of the spec ``name``."""
    document = spec(name)
    answer = document["paths"][path][method]["responses"][status]
    schema = resolve(document, answer["content"]["application/json"]["schema"])
    data = resolve(document, schema["properties"]["data"])
    if data.get("type") == "array":
        data = resolve(document, data["items"])
    return set(data["properties"])


def twilio_fields(schema: str) -> set[str]:
    return set(spec("twilio_api_v2010.json")["components"]["schemas"][schema]["properties"])


def wire_names(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


QUO = "openphone-v1.openapi.json"
QUO_DATED = "quo-2026-03-30.derived.openapi.json"
CASES = {
    QuoMessage: lambda: data_fields(QUO, "/v1/messages", "post", "202"),
    QuoCall: lambda: (
        data_fields(QUO, "/v1/calls/{callId}", "get", "200")
        | data_fields(QUO_DATED, "/calls", "get", "200")
    ),
    QuoContact: lambda: data_fields(QUO, "/v1/contacts/{id}", "get", "200"),
    TwilioMessage: lambda: twilio_fields("api.v2010.account.message"),
    TwilioCall: lambda: twilio_fields("api.v2010.account.call"),
}


@pytest.mark.parametrize("model", list(CASES), ids=lambda m: m.__name__)
def test_model_fields_exist_in_the_spec(model: type[BaseModel]) -> None:
    assert wire_names(model) <= CASES[model]()


def test_callrail_call_fields_exist_in_sandbox_answers(tmp_path: Path) -> None:
    # CallRail publishes no schema (its derived spec models answers as bare objects), so the
    # sandbox's answers, checked against CallRail's docs when it was built, stand in.
    with sandboxed(tmp_path) as client:
        account = client.connections.list(app="callrail")[0].metadata["account_ids"][0]
        raw = client.get(f"/callrail/v3/a/{account}/calls.json", params={"per_page": 5}).json()
    for call in raw["calls"]:
        assert wire_names(CallRailCall) <= set(call)
        CallRailCall.model_validate(call)
