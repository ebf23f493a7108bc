"""How tool results and errors are shaped, without a server."""

from __future__ import annotations

import json

from trunkline.mcp.server import error_result, ok_result, tool_definition, trim
from trunkline.mcp.tools import TOOLS


def test_big_lists_are_trimmed_with_a_note() -> None:
    result = {
        "action": "quo.list_calls",
        "items": [{"id": i, "pad": "x" * 100} for i in range(1000)],
    }
    small = trim(result, budget=5_000)
    assert len(json.dumps(small)) <= 5_000
    assert 0 < small["count"] == len(small["items"]) < 1000
    assert "limit=" in small["note"] and "cursor" in small["note"]
    assert small["items"][0]["id"] == 0  # the first items are kept


def test_other_big_results_are_cut_and_said_so() -> None:
    cut = trim({"blob": "y" * 10_000}, budget=1_000)
    assert len(cut["truncated"]) == 1_000 and "Narrow" in cut["note"]
    assert trim({"a": 1}) == {"a": 1}


def test_results_and_errors() -> None:
    ok = ok_result([1, 2])
    assert not ok.is_error and ok.structured_content == {"result": [1, 2]}
    bad = error_result(
        "Not Found: Call not found (code 0100404)", 404, {"message": "Call not found"}
    )
    assert bad.is_error and bad.content[0].text.endswith("(HTTP 404)")  # type: ignore[union-attr]
    assert bad.structured_content["provider_response"] == {"message": "Call not found"}


def test_every_tool_has_a_schema_and_annotations() -> None:
    for spec in TOOLS:
        tool = tool_definition(spec)
        assert tool.input_schema["additionalProperties"] is False
        assert "connection" in tool.input_schema["properties"]
        assert tool.annotations is not None and tool.annotations.title == spec.title
        for name in spec.required:
            assert name in tool.input_schema["properties"], (spec.name, name)
