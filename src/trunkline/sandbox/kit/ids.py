"""Identifiers in the providers' formats; deterministic when seeded (for seed data)."""

from __future__ import annotations

import random
import secrets
import string

_ALNUM = string.ascii_letters + string.digits


class IdMaker:
    """``IdMaker("quo-seed")`` always yields the same sequence; ``IdMaker()`` is random."""

    def __init__(self, seed: str | None = None) -> None:
        self._rng: random.Random | None = random.Random(seed) if seed is not None else None

    def hex(self, n: int) -> str:
        if self._rng is None:
            return secrets.token_hex((n + 1) // 2)[:n]
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))

    def alnum(self, n: int) -> str:
        if self._rng is None:
            return "".join(secrets.choice(_ALNUM) for _ in range(n))
        return "".join(self._rng.choice(_ALNUM) for _ in range(n))

    def prefixed(self, prefix: str, n: int = 32, *, alphabet: str = "hex") -> str:
        body = self.hex(n) if alphabet == "hex" else self.alnum(n)
        return f"{prefix}{body}"

    def randint(self, lo: int, hi: int) -> int:
        return (self._rng or random).randint(lo, hi)

    def choice(self, seq: list[str] | tuple[str, ...]) -> str:
        return (self._rng or random).choice(seq)
