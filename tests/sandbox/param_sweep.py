"""A spec-driven parameter sweep: for each GET operation of an OpenAPI document, request it with
its required query parameters, then with each optional one added alone (every enum value, both
booleans), then with all of them combined, and report what the sandbox refused.

Values come from the schema (enums, booleans, formats, defaults, minimums, examples) unless the
sweep is given a plausible value for the parameter by name (ids of seeded resources, an area
code, a region). Rules for parameters that cannot stand alone are data, each with its reason;
an ``adjust`` rule may also leave a request out (it returns None), which the tally counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.openapi_check import SpecChecker, _load

Query = list[tuple[str, str]]
Values = Callable[[str, str, dict[str, Any]], list[str] | None]  # (template, name, schema)
Adjust = Callable[["Operation", str, Query], Query | None]  # None: the request is left out


@dataclass
class Operation:
    template: str
    method: str
    required: dict[str, dict[str, Any]]
    optional: dict[str, dict[str, Any]]
    path_params: list[str]


@dataclass
class Tally:
    operations: int = 0
    parameters: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        skipped = f" ({len(self.left_out)} left out by rule)" if self.left_out else ""
        return (
            f"{name}: {self.operations} operations x {self.parameters} query parameters, "
            f"{self.requests} requests{skipped}, {len(self.failures)} unexpected errors"
        )


def operations(spec_name: str, methods: tuple[str, ...] = ("get",)) -> Iterator[Operation]:
    spec = _load(spec_name)

    def deref(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    for template, item in spec["paths"].items():
        for method, op in item.items():
            if method not in methods:
                continue
            params = [deref(p) for p in [*item.get("parameters", []), *op.get("parameters", [])]]
            query = [p for p in params if p["in"] == "query"]
            yield Operation(
                template,
                method.upper(),
                {p["name"]: deref(p.get("schema", {})) for p in query if p.get("required")},
                {p["name"]: deref(p.get("schema", {})) for p in query if not p.get("required")},
                [p["name"] for p in params if p["in"] == "path"],
            )


def schema_values(schema: dict[str, Any], now: datetime | None = None) -> list[str]:
    """Plausible values for a parameter from its schema alone (first one is the default pick)."""
    now = now or datetime.now(UTC)
    if schema.get("type") == "array":
        return schema_values(schema.get("items", {}), now)
    if schema.get("enum"):
        return [str(v) for v in schema["enum"]]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "boolean":
        return ["true", "false"]
    if kind == "integer":
        for key in ("example", "default", "minimum"):
            if key in schema:
                return [str(schema[key])]
        return ["1"]
    if fmt == "date":
        return [(now - timedelta(days=7)).date().isoformat()]
    if fmt == "date-time":
        return [(now - timedelta(days=7)).replace(microsecond=0).isoformat().replace("+00:00", "Z")]
    if fmt == "uri":
        return ["https://example.com/sweep"]
    if "example" in schema:
        return [str(schema["example"])]
    return ["sweep"]


def requests_for(op: Operation, values: Values) -> Iterator[tuple[str, Query]]:
    """(label, query) pairs: required only, each optional alone (each value), all combined."""

    def pick(name: str, schema: dict[str, Any]) -> list[str]:
        return values(op.template, name, schema) or schema_values(schema)

    base: Query = [(n, pick(n, s)[0]) for n, s in op.required.items()]
    yield "required only", base
    for name, schema in op.optional.items():
        for value in pick(name, schema):
            yield f"{name}={value}", [*base, (name, value)]
    if len(op.optional) > 1:
        combined = [*base, *((n, pick(n, s)[0]) for n, s in op.optional.items())]
        yield "all combined", combined


def concrete(template: str, resolve: Callable[[str, str], str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: resolve(template, m.group(1)), template)


def sweep(
    client: httpx.Client,
    checker: SpecChecker,
    ops: list[Operation],
    resolve: Callable[[str, str], str],
    values: Values,
    *,
    prefix: str = "",
    adjust: Adjust = lambda _op, _label, q: q,
    expected: dict[str, tuple[int, str]] | None = None,
) -> Tally:
    """Run every request; 2xx bodies are validated against the spec, other statuses collected
    as failures unless ``expected`` names the operation's status (with its reason). Requests
    ``adjust`` leaves out are listed in ``Tally.left_out``."""
    tally = Tally()
    expected = expected or {}
    for op in ops:
        tally.operations += 1
        tally.parameters += len(op.required) + len(op.optional)
        path = prefix + concrete(op.template, resolve)
        for label, proposed in requests_for(op, values):
            query = adjust(op, label, proposed)
            if query is None:
                tally.left_out.append(f"{op.method} {op.template} [{label}]")
                continue
            response = client.request(op.method, path, params=query)
            tally.requests += 1
            allowed = expected.get(f"{op.method} {op.template}")
            if allowed is not None and response.status_code == allowed[0]:
                continue
            if not response.is_success:
                tally.failures.append(
                    f"{op.method} {op.template} [{label}] -> {response.status_code} "
                    f"{response.text[:200]}"
                )
                continue
            try:
                checker.check(response)
            except AssertionError as exc:
                tally.failures.append(f"{op.method} {op.template} [{label}] spec: {exc}")
    return tally
