"""Every secret the suite hands its servers, and a check that none of them reached a log.

Servers started through ``tests/support/process.py`` write their stdout and stderr under one
directory per run (``log_dir()``); ``remember()`` collects the API keys they issue, their master
keys and the provider credentials the tests store. ``pytest_sessionfinish`` in
``tests/conftest.py`` runs ``leaks()`` over that directory once the whole suite is done.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Shown once on stdout at first start, by design (docs: "API key (shown once)").
SHOWN_ONCE = "API key (shown once): "
_secrets: set[str] = set()
_log_dir: Path | None = None


def log_dir() -> Path:
    """This run's log directory (``TRUNKLINE_TEST_LOG_DIR``, else a fresh one under /tmp)."""
    global _log_dir
    if _log_dir is None:
        chosen = os.environ.get("TRUNKLINE_TEST_LOG_DIR")
        if chosen:
            _log_dir = Path(chosen)
        else:
            base = Path(tempfile.gettempdir()) / "trunkline-test-logs"
            base.mkdir(exist_ok=True)
            _log_dir = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=base))
        _log_dir.mkdir(parents=True, exist_ok=True)
    return _log_dir


def remember(*values: str | None) -> None:
    for value in values:
        if value and len(value) >= 8:  # shorter strings match by chance
            _secrets.add(value)


def remember_master_keys(text: str | None) -> None:
    """``kid:base64,...`` (the environment) or one ``kid:base64`` per line (the key file)."""
    for entry in (text or "").replace(",", "\n").split():
        remember(entry.partition(":")[2])


def remembered() -> frozenset[str]:
    return frozenset(_secrets)


@dataclass(frozen=True)
class Leak:
    file: Path
    line: int
    secret: str  # only its first four characters, so the report itself leaks nothing

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: a secret starting {self.secret!r}"


def leaks(folder: Path, secrets: frozenset[str]) -> list[Leak]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_text(errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith(SHOWN_ONCE):
                continue
            found += [Leak(path, number, s[:4]) for s in secrets if s in line]
    return found
