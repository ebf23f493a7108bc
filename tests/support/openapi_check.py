"""Check real HTTP responses against an OpenAPI document (the providers' specs in tests/specs).

``SpecChecker("openphone-v1.openapi.json").check(response)`` finds the operation by method and
path template, picks the documented response for the status code and validates the JSON body
against its schema. It raises AssertionError with the reason; it also counts what it validated.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from openapi_schema_validator import OAS30Validator, OAS31Validator
from referencing import Registry, Resource

SPECS = Path(__file__).resolve().parent.parent / "specs"


@cache
def _load(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((SPECS / name).read_text("utf-8"))
    return spec


class SpecChecker:
    def __init__(self, spec_name: str, *, strip_prefix: str = "") -> None:
        """``strip_prefix`` is removed from request paths first (a mount point such as
        ``/sandbox/quo`` or a gateway prefix such as ``/quo``); the spec's server path
        (``/v3`` for CallRail) is removed as well."""
        self.spec = _load(spec_name)
        self.strip_prefix = strip_prefix.rstrip("/")
        server = self.spec.get("servers", [{}])[0].get("url", "")
        self.server_path = urlsplit(server).path.rstrip("/")
        self.is_31 = self.spec["openapi"].startswith("3.1")
        self.counts: Counter[str] = Counter()
        self._routes = [
            (self._compile(path), path, item) for path, item in self.spec["paths"].items()
        ]
        # Longer literal templates first, so /v1/calls/{id} does not shadow a literal path.
        self._routes.sort(key=lambda r: r[1].count("{"))
        resource = Resource.from_contents(self.spec, default_specification=_draft_for(self.is_31))
        self._registry: Registry[Any] = Registry().with_resource("urn:spec", resource)

    @staticmethod
    def _compile(template: str) -> re.Pattern[str]:
        pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
        return re.compile(f"^{pattern}$")

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        if self.strip_prefix and path.startswith(self.strip_prefix):
            path = path[len(self.strip_prefix) :]
        if self.server_path and path.startswith(self.server_path):
            path = path[len(self.server_path) :]
        for regex, template, item in self._routes:
            if regex.match(path) and method.lower() in item:
                return template, item[method.lower()]
        raise AssertionError(f"no operation in the spec for {method} {path}")

    def check(self, response: httpx.Response) -> None:
        request = response.request
        template, op = self.operation(request.method, request.url.path)
        responses = op.get("responses", {})
        code = str(response.status_code)
        documented = (
            responses.get(code) or responses.get(f"{code[0]}XX") or responses.get("default")
        )
        assert documented is not None, (
            f"{request.method} {template}: status {code} is not documented "
            f"(documented: {sorted(responses)}); body={response.text[:300]}"
        )
        documented = self._deref(documented)
        content = documented.get("content") or {}
        media = next((m for ct, m in content.items() if "json" in ct), None)
        if media is None or "schema" not in media:
            self.counts[f"{request.method} {template} {code}"] += 1
            return
        body = response.json()
        schema = _rebase_refs(media["schema"])
        validator_cls = OAS31Validator if self.is_31 else OAS30Validator
        validator = validator_cls(schema, registry=self._registry)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            raise AssertionError(
                f"{request.method} {template} {code}: {first.message} at "
                f"{'/'.join(map(str, first.absolute_path))}"
            )
        self.counts[f"{request.method} {template} {code}"] += 1

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node


def _rebase_refs(node: Any) -> Any:
    """Point local ``#/...`` refs of an inline schema at the registered spec resource."""
    if isinstance(node, dict):
        return {
            k: ("urn:spec" + v if k == "$ref" and v.startswith("#") else _rebase_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase_refs(v) for v in node]
    return node


def _draft_for(is_31: bool) -> Any:
    from referencing.jsonschema import DRAFT4, DRAFT202012

    return DRAFT202012 if is_31 else DRAFT4
