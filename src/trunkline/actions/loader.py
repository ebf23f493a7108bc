"""Loading the action files, and finding actions by name or by words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from trunkline.actions.models import Action, ActionFile
from trunkline.errors import ConfigError

ACTIONS_DIR = Path(__file__).resolve().parents[1] / "catalogue" / "actions"
_WORD = re.compile(r"[a-z0-9]+")


def load_file(path: Path) -> ActionFile:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
        parsed = ActionFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read action file {path}: {exc}") from exc
    except ValidationError as exc:
        raise ConfigError(f"invalid action file {path}:\n{exc}") from exc
    if parsed.app != path.stem:
        raise ConfigError(f"{path}: app {parsed.app!r} must match the file name")
    return parsed


@dataclass(frozen=True)
class Actions:
    by_name: dict[str, Action]

    @classmethod
    def load(cls, *directories: Path) -> Actions:
        found: dict[str, Action] = {}
        for directory in (ACTIONS_DIR, *directories):
            for path in sorted(directory.glob("*.yaml")):
                for action in load_file(path).actions:
                    if action.name in found:
                        raise ConfigError(f"{path}: action {action.name!r} is already defined")
                    found[action.name] = action
        return cls(found)

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
