"""The shape of an action file (``catalogue/actions/<app>.yaml``), strict: unknown keys fail.

An action is one provider operation described as data: what a model reads (name, description,
a JSON Schema for the input, hints) and how the runner turns an input into gateway requests
(method, path template, query/body/header templates, pagination). Templates use ``$name`` for
an input (or context) value and ``{name}`` inside paths; a key whose value is absent is left out.

It lives in the SDK (which reads the generated ``_catalogue.json``, no YAML); the server's
loader (``trunkline.actions``) reads the YAML files into the same model and also checks each
input against the JSON Schema meta-schema. Inputs may use only the keywords the SDK's own
validator checks (``_validation.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trunkline.client._template import names as _dollar_vars
from trunkline.client._validation import unsupported

ActionName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z][a-z0-9_]*$")]
VarName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
PATH_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Inputs the runner itself reads; they are added to the published schema where they apply.
RUNNER_INPUTS = frozenset({"limit", "cursor", "idempotency_key"})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hints(Strict):
    """What a caller (or an MCP client asking a human) should know before running it."""

    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    costs_money: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Hints:
        if self.read_only and (self.destructive or self.costs_money):
            raise ValueError("a read_only action can be neither destructive nor cost money")
        return self


class Request(Strict):
    """One gateway request. ``path`` is below ``/{app}``; ``{var}`` comes from the input or the
    connection's context. ``query``, ``body`` and ``headers`` are templates (see module doc)."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: Annotated[str, Field(pattern=r"^/")]
    query: dict[str, Any] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    encoding: Literal["json", "form"] = "json"
    headers: dict[str, str] = Field(default_factory=dict)
    # A dotted path into the answer to keep (``data``); the whole answer when unset.
    result: str | None = None
    # Part of a combined action: a 404 (say, no voicemail) gives null instead of failing.
    optional: bool = False

    def path_vars(self) -> set[str]:
        return set(PATH_VAR.findall(self.path))

    def template_vars(self) -> set[str]:
        found = self.path_vars()
        for value in (self.query, self.body or {}, self.headers):
            found |= set(_dollar_vars(value))
        return found


class CursorPages(Strict):
    """Token pages: send ``param`` = the answer's ``next`` field (Quo v1, Quo dated)."""

    style: Literal["cursor"]
    param: str
    next: str


class LinkPages(Strict):
    """Follow the link in the answer's ``next`` field, relative to the API root or absolute
    (Twilio ``next_page_uri``, CallRail ``next_page``, RingCentral ``navigation.nextPage.uri``)."""

    style: Literal["link"]
    next: str


class NumberedPages(Strict):
    """Page numbers: ``param`` = 1, 2, ... until ``total`` (CallRail ``page``/``total_pages``)."""

    style: Literal["number"]
    param: str
    total: str


class Pagination(Strict):
    items: str
    size_param: str | None = None
    max_size: Annotated[int, Field(ge=1, le=1000)] = 100
    how: Annotated[CursorPages | LinkPages | NumberedPages, Field(discriminator="style")]


class LocalSearch(Strict):
    """Filter listed items here, for APIs without a search (Quo contacts): an item matches when
    any of ``fields`` contains the ``input`` text (phone numbers compare by digits too)."""

    input: VarName
    fields: list[str]


class Action(Strict):
    name: ActionName
    title: str
    description: str
    input: dict[str, Any]
    # Values from the connection's metadata, by variable: ``account_sid: account_sid``. An input
    # of the same name wins (a caller may name another account).
    context: dict[VarName, str] = Field(default_factory=dict)
    request: Request | None = None
    requests: dict[VarName, Request] | None = None
    pages: Pagination | None = None
    search: LocalSearch | None = None
    hints: Hints = Hints()

    @property
    def app(self) -> str:
        return self.name.split(".", 1)[0]

    @field_validator("input")
    @classmethod
    def _schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = unsupported(value)
        if unknown:
            raise ValueError(f"input uses JSON Schema keywords the runner cannot check: {unknown}")
        if value.get("type") != "object":
            raise ValueError("input must be a JSON Schema of type object")
        value.setdefault("properties", {})
        value.setdefault("additionalProperties", False)
        clash = RUNNER_INPUTS & set(value["properties"])
        if clash:
            raise ValueError(f"input may not declare the runner's own inputs {sorted(clash)}")
        return value

    @model_validator(mode="after")
    def _wired(self) -> Action:
        if (self.request is None) == (self.requests is None):
            raise ValueError("give exactly one of request or requests")
        if self.requests is not None and self.pages is not None:
            raise ValueError("a combined action (requests) cannot page")
        if self.search is not None and self.pages is None:
            raise ValueError("search filters listed items: it needs pages")
        properties = set(self.input["properties"])
        known = properties | set(self.context)
        used: set[str] = set()
        for request in self.all_requests():
            missing = request.path_vars() - known
            if missing:
                raise ValueError(f"path {request.path} uses {sorted(missing)}, not in the input")
            unknown = request.template_vars() - known
            if unknown:
                raise ValueError(f"templates use {sorted(unknown)}, not in the input")
            used |= request.template_vars()
        if self.search is not None:
            if self.search.input not in properties:
                raise ValueError(f"search input {self.search.input!r} is not in the input")
            used.add(self.search.input)
        unused = properties - used
        if unused:
            raise ValueError(f"inputs {sorted(unused)} are declared but never sent")
        required = set(self.input.get("required", []))
        if required - properties:
            raise ValueError(f"required {sorted(required - properties)} not in properties")
        return self

    def all_requests(self) -> Iterator[Request]:
        if self.request is not None:
            yield self.request
        yield from (self.requests or {}).values()

    def input_schema(self) -> dict[str, Any]:
        """The schema callers see: the action's input plus the runner's inputs that apply."""
        schema = {**self.input, "properties": dict(self.input["properties"])}
        props = schema["properties"]
        if self.pages is not None:
            props["limit"] = {
                "type": "integer",
                "minimum": 1,
                "maximum": 1000,
                "description": "Most items to return across pages (default 50).",
            }
            props["cursor"] = {
                "type": "string",
                "description": "The `next_cursor` of a previous result, to read on from there.",
            }
        if self.hints.costs_money:
            props["idempotency_key"] = {
                "type": "string",
                "maxLength": 255,
                "description": "Reuse to make a retry safe: the same key never sends twice. "
                "One is generated (and returned) when omitted.",
            }
        return schema


class ActionFile(Strict):
    app: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")]
    actions: list[Action]

    @model_validator(mode="after")
    def _own_names(self) -> ActionFile:
        for action in self.actions:
            if action.app != self.app:
                raise ValueError(f"{action.name} does not belong to app {self.app!r}")
        names = [a.name for a in self.actions]
        if len(names) != len(set(names)):
            raise ValueError("action names repeat")
        return self
