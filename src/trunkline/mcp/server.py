"""The MCP server (official ``mcp`` SDK, low-level ``Server``): tool listing, argument checks,
results trimmed to a size a model can read, provider errors as tool errors.

Who is calling is decided per request by ``bind``: over stdio, the one client the command was
started with; over Streamable HTTP, a client for the request's own bearer key (see ``http``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import mcp_types as types
from jsonschema import Draft202012Validator
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server

from trunkline.actions import ActionError, Actions
from trunkline.client import APIError, AsyncClient, TrunklineClientError
from trunkline.mcp.tools import TOOLS, Call, ToolSpec

audit = logging.getLogger("trunkline.audit")
# Characters of JSON a tool result may have before lists are cut (about 8k tokens).
MAX_RESULT_CHARS = 30_000
INSTRUCTIONS = (
    "trunkline: business telephony (Quo, Twilio, CallRail, RingCentral) through one gateway. "
    "Use the job tools (send_sms, list_calls, get_call_details, wait_for_event, ...) first; "
    "search_actions/run_action reach every catalogued provider action, and api any endpoint."
)

# (client, default connection, key id) for this request; the context manager closes what it
# opened. The key id (None when not known) goes in the audit line.
Binder = Callable[
    [ServerRequestContext[Any, Any]],
    AbstractAsyncContextManager[tuple[AsyncClient, str | None, str | None]],
]


def tool_definition(spec: ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.input_schema(),
        annotations=types.ToolAnnotations(
            title=spec.title,
            read_only_hint=spec.read_only,
            destructive_hint=spec.destructive,
            idempotent_hint=spec.idempotent,
            open_world_hint=spec.provider,
        ),
    )


def build_server(
    bind: Binder, actions: Actions | None = None, *, audit_bodies: bool = False
) -> Server[Any]:
    """``audit_bodies``: put tool arguments (message texts too) in the audit lines."""
    catalogue = actions or Actions.load()
    specs = {spec.name: spec for spec in TOOLS}
    definitions = [tool_definition(spec) for spec in TOOLS]
    validators = {spec.name: Draft202012Validator(spec.input_schema()) for spec in TOOLS}

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=definitions)

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        started = time.perf_counter()
        line: dict[str, Any] = {"key": None, "tool": params.name[:100]}
        if audit_bodies:
            line["arguments"] = params.arguments
        result = await run_tool(ctx, params, line)
        line["ms"] = round((time.perf_counter() - started) * 1000, 2)
        line.setdefault("outcome", "error" if result.is_error else "ok")
        audit.info("tool call", extra={"fields": line})
        return result

    async def run_tool(
        ctx: ServerRequestContext[Any, Any],
        params: types.CallToolRequestParams,
        line: dict[str, Any],
    ) -> types.CallToolResult:
        spec = specs.get(params.name)
        if spec is None:
            line["outcome"] = "unknown_tool"
            return error_result(f"unknown tool {params.name!r}")
        args = {k: v for k, v in (params.arguments or {}).items() if v is not None}
        problem = next(iter(validators[spec.name].iter_errors(args)), None)
        if problem is not None:
            line["outcome"] = "invalid_arguments"
            where = "/".join(str(p) for p in problem.absolute_path) or "arguments"
            return error_result(f"invalid arguments: {where}: {problem.message}")
        call: Call | None = None
        try:
            async with bind(ctx) as (client, connection, key_id):
                line["key"] = key_id
                call = Call(client, catalogue, args, args.get("connection") or connection)
                result = await spec.handler(call)
        except ActionError as exc:
            line["outcome"] = error_code(exc.status, exc.body)
            return error_result(exc.message, exc.status, exc.body)
        except APIError as exc:
            line["outcome"] = error_code(exc.status, exc.body)
            return error_result(exc.message, exc.status, exc.body)
        except TrunklineClientError as exc:
            return error_result(str(exc))
        finally:
            if call is not None:
                line["action"] = ",".join(call.ran) or None
                # "default": the gateway chose the app's default connection (its own access
                # line for the same key and action names it).
                line["connection"] = (
                    call.connection or call.used or ("default" if call.ran else None)
                )
        return ok_result(result)

    return Server(
        "trunkline",
        version=_version(),
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def error_code(status: int | None, body: Any) -> str:
    """An error's code for the audit line: trunkline's own (``scope_read_only``), else the
    HTTP status the provider answered."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        return str(error["code"])[:64]
    return f"http_{status}" if status else "error"


def ok_result(result: Any) -> types.CallToolResult:
    trimmed = trim(result)
    text = json.dumps(trimmed, ensure_ascii=False, default=str)
    structured = trimmed if isinstance(trimmed, dict) else {"result": trimmed}
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured
    )


def error_result(message: str, status: int | None = None, body: Any = None) -> types.CallToolResult:
    """A tool error the model can read and act on: the provider's own message first."""
    text = f"{message} (HTTP {status})" if status else message
    structured: dict[str, Any] = {"error": message, "status": status}
    if body is not None:
        structured["provider_response"] = trim(body, MAX_RESULT_CHARS // 4)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=structured,
        is_error=True,
    )


def trim(result: Any, budget: int = MAX_RESULT_CHARS) -> Any:
    """Cut list results down to ``budget`` characters of JSON, saying how to read the rest."""
    if _size(result) <= budget:
        return result
    if isinstance(result, dict) and isinstance(result.get("items"), list):
        items, total = list(result["items"]), len(result["items"])
        while True:
            note = (
                f"Trimmed to {len(items)} of {total} items to fit; ask again with limit="
                f"{max(len(items), 1)} and page on with cursor."
            )
            trimmed = {**result, "items": items, "count": len(items), "note": note}
            if not items or _size(trimmed) <= budget:
                return trimmed
            items = items[: min(len(items) * 3 // 4, len(items) - 1)]
    text = json.dumps(result, ensure_ascii=False, default=str)
    return {
        "truncated": text[:budget],
        "note": f"The result was {len(text)} characters; this is the start. Narrow the request.",
    }


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trunkline")
    except PackageNotFoundError:
        return "0"
