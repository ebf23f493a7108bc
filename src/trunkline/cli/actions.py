"""Catalogued actions from the command line, run by the SDK (``Trunkline().actions``), with
``--arg key=value`` parsing and ``--since`` windows."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from jsonschema import Draft202012Validator

from trunkline.actions import Actions
from trunkline.cli.output import USAGE, die, exit_for
from trunkline.client import Action, Trunkline, TrunklineClientError

_SPAN = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@functools.cache
def catalogue() -> Actions:
    return Actions.load()


def action(name: str) -> Action:
    found = catalogue().get(name)
    if found is None:
        die(f"no action named {name!r} (list them with: trunkline run --list)", USAGE)
    return found


@functools.cache
def client() -> Trunkline:
    """One client per command (the key and URL from the environment)."""
    try:
        return Trunkline(timeout=120)
    except TrunklineClientError as exc:
        raise exit_for(exc) from None


def run(name: str, args: Mapping[str, Any], connection: str | None = None) -> dict[str, Any]:
    """The action's result as JSON-ready data; any error becomes one line and an exit."""
    action(name)
    try:
        return client().actions.run_raw(name, args, connection, None)
    except TrunklineClientError as exc:
        raise exit_for(exc) from None


def parse_args(chosen: Action, pairs: Sequence[str], json_pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs typed by the action's schema (numbers, booleans, comma lists), and
    ``key=JSON`` pairs taken as they are."""
    properties = chosen.input_schema().get("properties", {})
    values: dict[str, Any] = {}
    for item in pairs:
        key, raw = _pair(item, "--arg")
        values[key] = _typed(key, raw, properties.get(key, {}))
    for item in json_pairs:
        key, raw = _pair(item, "--arg-json")
        try:
            values[key] = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            die(f"--arg-json {key}: not JSON ({exc})", USAGE)
    return values


def check(chosen: Action, args: Mapping[str, Any]) -> None:
    """The runner's own input check, before anything is written (export's files)."""
    values = {k: v for k, v in args.items() if v is not None}
    problem = next(iter(Draft202012Validator(chosen.input_schema()).iter_errors(values)), None)
    if problem is not None:
        where = "/".join(str(p) for p in problem.absolute_path) or "input"
        die(f"invalid input for {chosen.name}: {where}: {problem.message}", USAGE)


def _pair(item: str, flag: str) -> tuple[str, str]:
    key, sep, raw = item.partition("=")
    if not sep or not key:
        die(f"{flag} wants KEY=VALUE, got {item!r}", USAGE)
    return key, raw


def _typed(key: str, raw: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        die(f"--arg {key}: {raw!r} is not {'an integer' if kind == 'integer' else 'a number'}", 2)
    if kind == "boolean":
        if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
            die(f"--arg {key}: {raw!r} is not true or false", USAGE)
        return raw.lower() in ("true", "1", "yes")
    if kind == "array":
        return [part for part in raw.split(",") if part]
    return raw


def since(value: str, now: datetime | None = None) -> datetime:
    """``7d``, ``24h``, ``30m``, ``2w`` ago, or a date (``2026-11-01``) or ISO time, in UTC."""
    span = _SPAN.match(value.strip())
    if span:
        ago = timedelta(**{_UNITS[span.group(2)]: int(span.group(1))})
        return (now or datetime.now(UTC)) - ago
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        die(f"--since {value!r}: use 7d, 24h, 30m, 2w, a date (2026-11-01) or an ISO time", USAGE)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
