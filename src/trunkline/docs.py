"""Docs generated from code, so they cannot drift: ``python -m trunkline.docs`` rewrites
docs/settings.md; a test fails when the file differs from what the code would write."""

from __future__ import annotations

import sys
from pathlib import Path

from trunkline.settings import Settings

HEADER = """# Settings

Every setting is read from the environment as `TRUNKLINE_<NAME>` (generated from
`src/trunkline/settings.py` by `python -m trunkline.docs`; do not edit by hand).
Secret values are masked in logs and reprs.

| variable | type | default | what it does |
|---|---|---|---|
"""


def _type_name(annotation: object) -> str:
    name = getattr(annotation, "__name__", None) or str(annotation)
    if "[" in str(annotation) or "|" in str(annotation):
        name = str(annotation)
    for noise in ("typing.", "pydantic.types.", "pathlib.", "<class '", "'>"):
        name = name.replace(noise, "")
    if name.startswith("Literal["):
        name = " or ".join(part.strip(" '") for part in name[8:-1].split(","))
    # A "|" would end the Markdown table cell: say "or" instead.
    return name.replace(" | ", " or ")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def settings_markdown() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        variable = str(extra.get("env") or f"TRUNKLINE_{name.upper()}")
        default = field.default
        shown = "" if default is None or field.default_factory is not None else f"`{default}`"
        kind = "str, one per app" if "env" in extra else _type_name(field.annotation)
        rows.append(f"| `{variable}` | {kind} | {shown} | {_cell(field.description or '')} |")
    return HEADER + "\n".join(rows) + "\n"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/settings.md")
    target.write_text(settings_markdown(), "utf-8")


if __name__ == "__main__":
    main()
