"""Loading the action files, and finding actions by name or by words."""

from __future__ import annotations

from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import ValidationError

from trunkline.client._action_models import Action, ActionFile
from trunkline.client._catalogue import ActionCatalogue
from trunkline.errors import ConfigError

ACTIONS_DIR = Path(__file__).resolve().parents[1] / "catalogue" / "actions"


def load_file(path: Path) -> ActionFile:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
        parsed = ActionFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read action file {path}: {exc}") from exc
    except ValidationError as exc:
        raise ConfigError(f"invalid action file {path}:\n{exc}") from exc
    for action in parsed.actions:
        try:
            Draft202012Validator.check_schema(action.input)
        except SchemaError as exc:
            raise ConfigError(
                f"{path}: {action.name}: invalid input schema: {exc.message}"
            ) from exc
    if parsed.app != path.stem:
        raise ConfigError(f"{path}: app {parsed.app!r} must match the file name")
    return parsed


class Actions(ActionCatalogue):
    """The server's catalogue: the built-in YAML files plus any extra directories."""

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
