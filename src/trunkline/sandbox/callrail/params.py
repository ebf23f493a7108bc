"""Reading query strings and JSON bodies the way CallRail validates them.

Unknown parameters are ignored (CallRail silently ignores e.g. ``answered=``); known ones with bad
values get a 400 whose message lists the accepted values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from starlette.datastructures import QueryParams

from trunkline.sandbox.callrail.errors import bad_request

TRUE_WORDS = ("true", "1", "yes", "t")
FALSE_WORDS = ("false", "0", "no", "f")


class Query:
    def __init__(self, params: QueryParams) -> None:
        self.params = params

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise bad_request(f"{name} must be an integer") from exc
        if value < low or (high is not None and value > high):
            limit = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise bad_request(f"{name} must be {limit}")
        return value

    def optional_integer(self, name: str) -> int | None:
        if self.text(name) is None:
            return None
        return self.integer(name, 0, 0)

    def choice(self, name: str, allowed: Iterable[str]) -> str | None:
        value = self.text(name)
        options = list(allowed)
        if value is not None and value not in options:
            raise bad_request(f"{name} must be: '{', '.join(options)}'")
        return value

    def flag(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() in TRUE_WORDS:
            return True
        if value.lower() in FALSE_WORDS:
            return False
        raise bad_request(f"{name} must be true or false")

    def many(self, name: str) -> list[str]:
        """``tags[]=A&tags[]=B`` or ``tags=A,B`` (both forms are documented)."""
        values = [v for v in self.params.getlist(f"{name}[]") if v]
        single = self.text(name)
        if single:
            values.extend(part.strip() for part in single.split(",") if part.strip())
        return values

    def fields(self, extras: Iterable[str], defaults: Iterable[str] = ()) -> list[str]:
        """The extra fields named in ``fields=``, in the order asked.

        CallRail accepts default field names there too (clients routinely ask for ``answered,
        duration``); they are always shown, so only the extras come back. Unknown names are a 400.
        """
        raw = self.text("fields")
        if raw is None:
            return []
        wanted = [part.strip() for part in raw.split(",") if part.strip()]
        extra = set(extras)
        known = extra | set(defaults)
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise bad_request(f"Invalid field(s) requested: {', '.join(unknown)}")
        return [name for name in dict.fromkeys(wanted) if name in extra]


def body_text(body: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"Missing required parameter: {name}")
        return None if value is None else ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise bad_request(f"{name} must be a string")
    return str(value)


def body_bool(body: Mapping[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in TRUE_WORDS + FALSE_WORDS:
        return value.lower() in TRUE_WORDS
    raise bad_request(f"{name} must be true or false")


def body_choice(body: Mapping[str, Any], name: str, allowed: Iterable[str]) -> str | None:
    value = body.get(name)
    options = list(allowed)
    if value is not None and value not in options:
        raise bad_request(f"{name} must be: '{', '.join(options)}'")
    return value if isinstance(value, str) else None


def body_strings(body: Mapping[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise bad_request(f"{name} must be an array of strings")
    return [str(v) for v in value]
