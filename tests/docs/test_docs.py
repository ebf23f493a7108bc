"""Docs that cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from trunkline.catalogue import Catalogue
from trunkline.docs import settings_markdown
from trunkline.sandbox import BUILTIN_SANDBOXES

ROOT = Path(__file__).resolve().parents[2]


def test_settings_doc_is_current() -> None:
    assert (ROOT / "docs/settings.md").read_text() == settings_markdown(), (
        "docs/settings.md is stale: run .venv/bin/python -m trunkline.docs"
    )


def test_every_provider_has_a_docs_page() -> None:
    for slug in Catalogue.load().providers:
        page = ROOT / "docs/providers" / f"{slug}.md"
        assert page.exists(), f"missing {page}"
        assert slug in page.read_text()


def test_every_builtin_sandbox_is_documented() -> None:
    for app in BUILTIN_SANDBOXES:
        assert (ROOT / "docs/sandboxes" / f"{app}.md").exists()


def test_readme_quick_start_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    for line in commands:
        script = ROOT / line.split()[0]
        assert script.exists() and script.stat().st_mode & 0o111


def test_ci_runs_the_readme_test_command() -> None:
    assert re.search(r"scripts/test", (ROOT / ".ci/run").read_text())
