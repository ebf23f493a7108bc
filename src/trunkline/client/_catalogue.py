"""The built-in actions, for the SDK: read from ``_catalogue.json``, which
``python -m trunkline.actions.codegen`` generates from ``catalogue/actions/*.yaml`` (so the SDK
needs no YAML), and found by name or by words."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

from trunkline.client._action_models import Action

CATALOGUE_FILE = "_catalogue.json"
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class ActionCatalogue:
    by_name: dict[str, Action]

    def get(self, name: str) -> Action | None:
        return self.by_name.get(name)

    def search(self, query: str = "", app: str | None = None, limit: int = 20) -> list[Action]:
        """Actions of ``app`` ranked by how many of the query's words they mention."""
        words = set(_WORD.findall(query.lower()))
        scored: list[tuple[int, str, Action]] = []
        for action in self.by_name.values():
            if app and action.app != app:
                continue
            haystack = set(
                _WORD.findall(f"{action.name} {action.title} {action.description}".lower())
            )
            score = len(words & haystack) + sum(
                1 for w in words if any(h.startswith(w) for h in haystack)
            )
            if words and not score:
                continue
            scored.append((-score, action.name, action))
        scored.sort(key=lambda item: item[:2])
        return [action for _, _, action in scored[:limit]]


@functools.cache
def builtin_actions() -> ActionCatalogue:
    text = resources.files("trunkline.client").joinpath(CATALOGUE_FILE).read_text("utf-8")
    actions = [Action.model_validate(raw) for raw in json.loads(text)]
    return ActionCatalogue({a.name: a for a in actions})
