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


def settings_markdown() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        annotation = getattr(field.annotation, "__name__", None) or str(field.annotation)
        annotation = annotation.replace("typing.", "").replace("pydantic.types.", "")
        default = "" if field.default is None else f"`{field.default}`"
        rows.append(
            f"| `TRUNKLINE_{name.upper()}` | {annotation} | {default} | {field.description} |"
        )
    extra = (
        "| `TRUNKLINE_UPSTREAM_<APP>` | str | | Pin one app's upstream base URL by hand "
        "(e.g. `TRUNKLINE_UPSTREAM_QUO=http://127.0.0.1:9000`). |"
    )
    oauth = (
        "| `TRUNKLINE_OAUTH_<APP>_CLIENT_ID`, `..._CLIENT_SECRET` | str | | The OAuth2 client "
        "trunkline uses for an OAuth2 app with the real provider (the sandboxes bring their own). |"
    )
    return HEADER + "\n".join([*rows, extra, oauth]) + "\n"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/settings.md")
    target.write_text(settings_markdown(), "utf-8")


if __name__ == "__main__":
    main()
