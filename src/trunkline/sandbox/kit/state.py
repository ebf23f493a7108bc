"""Sandbox state: named collections of JSON documents, persisted to one file.

Every sandbox keeps its world in memory (it is small: a workspace, a few hundred records) and
writes the whole document atomically after each change, so a restart finds the same world.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Document = dict[str, Any]
Seed = Callable[[], dict[str, Any]]


class SandboxState:
    """A dict of collections (``name -> {id -> document}``) plus free-form ``meta``.

    ``path=None`` keeps everything in memory (tests, throwaway sandboxes).
    """

    def __init__(self, path: Path | None, seed: Seed) -> None:
        self.path = path
        self._seed = seed
        self.data: dict[str, Any] = {}
        self.load()

    def load(self) -> None:
        if self.path is not None and self.path.exists():
            self.data = json.loads(self.path.read_text("utf-8"))
        else:
            self.reset()

    def reset(self) -> None:
        """Throw the world away and start again from the deterministic seed."""
        self.data = self._seed()
        self.data.setdefault("meta", {})
        self.save()

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.data.setdefault("meta", {})
        return meta

    def table(self, name: str) -> dict[str, Document]:
        table: dict[str, Document] = self.data.setdefault(name, {})
        return table

    def save(self) -> None:
        if self.path is None:
            return
        # Owner only: the file holds the sandbox's tokens in plaintext (fake credentials that
        # only this sandbox accepts; docs/production.md says why they are not sealed).
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state-", suffix=".json")  # 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.data, fh, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
