"""Generate the SDK's view of the actions from ``catalogue/actions/*.yaml``:

- ``client/_catalogue.json``: every action as JSON, so the SDK reads them without YAML;
- ``client/_generated.py``: typed per-provider helpers, ``client.quo.messages.send(...)``.

    python -m trunkline.actions.codegen          # rewrite both
    python -m trunkline.actions.codegen --check  # exit 1 when either is stale (a test runs this)

A helper's name comes from its action's: ``quo.send_message`` → ``quo.messages.send``, the
first word is the method and the rest, made plural, the resource. Its keyword-only parameters
come from the input's JSON Schema (``from`` → ``from_``). What a helper returns is the one thing
not in the action files: ``RESULT_MODELS`` below names a model of ``client/_resources.py``.
"""

from __future__ import annotations

import json
import keyword
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trunkline.actions.loader import Actions
from trunkline.client._action_models import Action

CLIENT_DIR = Path(__file__).resolve().parents[1] / "client"
CATALOGUE_PATH = CLIENT_DIR / "_catalogue.json"
HELPERS_PATH = CLIENT_DIR / "_generated.py"
HEADER = (
    "# File generated from src/trunkline/catalogue/actions/*.yaml by\n"
    "# `python -m trunkline.actions.codegen`: do not edit.\n"
)
RESULT_MODELS = {
    "quo.send_message": "QuoMessage",
    "quo.list_messages": "QuoMessage",
    "quo.list_calls": "QuoCall",
    "quo.get_call": "QuoCallDetails",
    "quo.list_contacts": "QuoContact",
    "quo.search_contacts": "QuoContact",
    "quo.get_contact": "QuoContact",
    "quo.create_contact": "QuoContact",
    "quo.update_contact": "QuoContact",
    "twilio.send_message": "TwilioMessage",
    "twilio.list_messages": "TwilioMessage",
    "twilio.get_message": "TwilioMessage",
    "twilio.create_call": "TwilioCall",
    "twilio.list_calls": "TwilioCall",
    "twilio.get_call": "TwilioCall",
    "twilio.update_call": "TwilioCall",
    "callrail.list_calls": "CallRailCall",
    "callrail.get_call": "CallRailCall",
    "callrail.update_call": "CallRailCall",
    "callrail.tag_call": "CallRailCall",
}
# Parameters every helper may add; an input of the same name would hide them.
RESERVED = frozenset({"connection", "limit", "idempotency_key", "self"})
_JSON_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def catalogue_json(actions: Actions) -> str:
    dumped = [a.model_dump(mode="json", exclude_defaults=True) for a in actions.by_name.values()]
    return json.dumps(dumped, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


@dataclass(frozen=True)
class Helper:
    action: Action
    resource: str
    method: str

    @property
    def model(self) -> str | None:
        return RESULT_MODELS.get(self.action.name)


def helper_for(action: Action) -> Helper:
    verb, _, rest = action.name.split(".", 1)[1].partition("_")
    resource = rest if rest.endswith("s") else f"{rest}s"
    return Helper(action, resource or verb, verb if rest else "run")


def py_type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return f"Literal[{', '.join(repr(v) for v in schema['enum'])}]"
    kind = schema.get("type")
    if kind == "array":
        return f"builtins.list[{py_type(schema.get('items', {}))}]"
    if kind == "object":
        return "dict[str, Any]"
    return _JSON_TYPES.get(kind, "Any") if isinstance(kind, str) else "Any"


def param_name(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) else name


def _class(app: str, resource: str = "") -> str:
    words = [app, *resource.split("_")] if resource else [app]
    return "".join(w.capitalize() for w in words if w)


def _docstring(action: Action, indent: str) -> list[str]:
    body = textwrap.wrap(action.description, 88 - len(indent))
    return [
        f'{indent}"""{action.title}.',
        "",
        *(f"{indent}{line}" for line in body),
        f'{indent}"""',
    ]


def _method(helper: Helper, asynchronous: bool) -> list[str]:
    action = helper.action
    schema = action.input
    required = set(schema.get("required", []))
    params, values = [], []
    ordered = sorted(schema["properties"].items(), key=lambda kv: kv[0] not in required)
    for name, prop in ordered:
        if param_name(name) in RESERVED:
            raise ValueError(f"{action.name}: input {name!r} clashes with a helper parameter")
        kind = py_type(prop)
        default = "" if name in required else " | None = None"
        params.append(f"{param_name(name)}: {kind}{default},")
        values.append(f"{name!r}: {param_name(name)},")
    model = helper.model
    parse = f"{model}.model_validate" if model else "as_is"
    item = model or "dict[str, Any]"
    pager = "AsyncPager" if asynchronous else "SyncPager"
    if action.pages is not None:
        params.append("limit: int | None = None,")
        returns = f"{pager}[{item}]"
    else:
        returns = model or "Any"
    if action.hints.costs_money:
        params.append("idempotency_key: str | None = None,")
    params.append("connection: str | None = None,")
    # A list returns its pager at once (pages are fetched while iterating), so never async.
    prefix = "async def" if asynchronous and action.pages is None else "def"
    lines = [f"    {prefix} {helper.method}(", "        self,", "        *,"]
    lines += [f"        {p}" for p in params]
    lines += [f"    ) -> {returns}:", *_docstring(action, "        ")]
    args = ["        args: dict[str, Any] = {", *(f"            {v}" for v in values), "        }"]
    lines += args
    if action.pages is not None:
        size = action.pages.max_size
        call = f'self._pages("{action.name}", args, connection, limit, {size}, {parse})'
        lines.append(f"        return {call}")
        return lines
    key = ", idempotency_key" if action.hints.costs_money else ""
    run = f'self._run("{action.name}", args, connection{key})'
    run = f"await {run}" if asynchronous else run
    lines.append(f"        return {parse}({run})" if model else f"        return {run}")
    return lines


def _module(helpers: list[Helper]) -> list[str]:
    models = sorted({h.model for h in helpers if h.model})
    lines = [
        HEADER.rstrip("\n"),
        '"""Typed per-provider helpers: ``client.quo.messages.send(...)`` runs '
        '``quo.send_message``."""',
        "",
        "from __future__ import annotations",
        "",
        "import builtins",
        "from typing import TYPE_CHECKING, Any, Literal",
        "",
        "from trunkline.client._helpers import AsyncResource, SyncResource, as_is",
        "from trunkline.client._pagers import AsyncPager, SyncPager",
        "from trunkline.client._resources import (",
        *(f"    {m}," for m in models),
        ")",
        "",
        "if TYPE_CHECKING:",
        "    from trunkline.client._client import AsyncTrunkline, Trunkline",
        "",
        '__all__ = ["AsyncProviders", "SyncProviders"]',
    ]
    for asynchronous in (False, True):
        lines += _classes(helpers, asynchronous)
    return lines


def _classes(helpers: list[Helper], asynchronous: bool) -> list[str]:
    side = "Async" if asynchronous else "Sync"
    base = f"{side}Resource"
    client = "AsyncTrunkline" if asynchronous else "Trunkline"
    apps: dict[str, dict[str, list[Helper]]] = {}
    for helper in helpers:
        apps.setdefault(helper.action.app, {}).setdefault(helper.resource, []).append(helper)
    lines: list[str] = []
    for app, resources in apps.items():
        for resource, members in resources.items():
            lines += ["", "", f"class {side}{_class(app, resource)}({base}):"]
            for index, helper in enumerate(members):
                lines += ([""] if index else []) + _method(helper, asynchronous)
        lines += [
            "",
            "",
            f"class {side}{_class(app)}:",
            f"    def __init__(self, client: {client}) -> None:",
        ]
        for resource in resources:
            lines.append(f"        self.{resource} = {side}{_class(app, resource)}(client)")
    lines += [
        "",
        "",
        f"class {side}Providers:",
        '    """The typed helpers, one attribute per app."""',
        "",
    ]
    lines += [f"    {app}: {side}{_class(app)}" for app in apps]
    lines += ["", f"    def _attach_providers(self, client: {client}) -> None:"]
    lines += [f"        self.{app} = {side}{_class(app)}(client)" for app in apps]
    return lines


def helpers_source(actions: Actions) -> str:
    helpers = [helper_for(a) for a in actions.by_name.values()]
    seen: set[tuple[str, str, str]] = set()
    for h in helpers:
        where = (h.action.app, h.resource, h.method)
        if where in seen:
            raise ValueError(f"two actions make {'.'.join(where)}")
        seen.add(where)
    return _formatted("\n".join(_module(helpers)) + "\n")


def _formatted(source: str) -> str:
    """The source as ``ruff format`` writes it, so the checked-in file stays lint-clean."""
    done = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(HELPERS_PATH), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def outputs(actions: Actions | None = None) -> dict[Path, str]:
    catalogue = actions or Actions.load()
    return {CATALOGUE_PATH: catalogue_json(catalogue), HELPERS_PATH: helpers_source(catalogue)}


def stale(files: dict[Path, str]) -> list[Path]:
    return [p for p, text in files.items() if not p.exists() or p.read_text("utf-8") != text]


def main(argv: Iterable[str] = ()) -> int:
    files = outputs()
    if "--check" in argv:
        for path in stale(files):
            print(f"{path} is stale: run python -m trunkline.actions.codegen", file=sys.stderr)
        return 1 if stale(files) else 0
    for path, text in files.items():
        path.write_text(text, "utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
