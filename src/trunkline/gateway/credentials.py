"""Where a caller may put its trunkline key: ``Authorization: Bearer`` (the Maton contract) and
the slots each provider's own client uses for its credential, as the catalogue declares them
(``native_auth``). So an unmodified provider client, given a trunkline key instead of its own
credential and the gateway's URL, just works.

A value in a slot that is not a trunkline key is refused with 401: the gateway never forwards
a credential the caller sent, whatever it is.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass

from trunkline.accounts import KEY_PREFIX
from trunkline.catalogue import NativeCredential
from trunkline.errors import Unauthorized

BEARER = NativeCredential(form="bearer")
NOT_A_KEY = (
    "the credential sent is not a trunkline API key (tk_…); send your trunkline key where "
    "the provider's key would go. trunkline never forwards a caller's credential"
)


@dataclass(frozen=True)
class Presented:
    """The trunkline key a request carries, and the connection its slot names, if any:
    ``(metadata field, value)``, e.g. ``("account_sid", "AC…")`` from a Basic username."""

    key: str
    select: tuple[str, str] | None = None


class Slots:
    """One app's accepted slots, parsed once from the catalogue."""

    def __init__(self, native: list[NativeCredential]) -> None:
        self.slots = [
            BEARER,
            *(s for s in native if s.form != "bearer" or s.header != "Authorization"),
        ]
        self.headers = frozenset(s.header.lower().encode("latin-1") for s in self.slots)
        self._patterns = {
            id(s): re.compile(s.select_pattern) for s in self.slots if s.select_pattern is not None
        }
        self._params = {
            id(s): re.compile(
                rf'(?:^|,)\s*{re.escape(s.param)}\s*=\s*(?:"([^"]*)"|([^\s,]*))', re.IGNORECASE
            )
            for s in self.slots
            if s.param is not None
        }
        self.hint = "send your trunkline API key as " + " or ".join(
            _describe(s) for s in self.slots
        )

    def presented(self, found: Mapping[bytes, bytes]) -> Presented:
        """The key in the first slot that holds one; 401 when none does or it is no key."""
        for slot in self.slots:
            raw = found.get(slot.header.lower().encode("latin-1"))
            if raw is None:
                continue
            presented = self._parse(slot, raw.decode("latin-1").strip())
            if presented is None:
                continue
            if not presented.key.startswith(KEY_PREFIX):
                raise Unauthorized(NOT_A_KEY)
            return presented
        raise Unauthorized(self.hint)

    def _parse(self, slot: NativeCredential, value: str) -> Presented | None:
        scheme, _, rest = value.partition(" ")
        scheme = scheme.lower()
        if slot.form == "bearer":
            return Presented(rest.strip()) if scheme == "bearer" and rest.strip() else None
        if slot.form == "raw":
            return Presented(value) if value else None
        if slot.form == "auth-param":
            if scheme != (slot.scheme or "").lower():
                return None
            match = self._params[id(slot)].search(rest.strip())
            return Presented(match.group(1) or match.group(2) or "") if match else None
        return self._basic(slot, scheme, rest.strip())

    def _basic(self, slot: NativeCredential, scheme: str, token: str) -> Presented | None:
        if scheme != "basic":
            return None
        try:
            pair = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized(
                "the Basic credentials are not valid base64 of 'user:password'"
            ) from None
        username, _, password = pair.partition(":")
        pattern = self._patterns.get(id(slot))
        named = slot.select_by is not None and (pattern is None or pattern.fullmatch(username))
        select = (slot.select_by, username) if named and slot.select_by else None
        return Presented(password, select)


def _describe(slot: NativeCredential) -> str:
    if slot.form == "bearer":
        return f"'{slot.header}: Bearer <key>'"
    if slot.form == "raw":
        return f"'{slot.header}: <key>'"
    if slot.form == "auth-param":
        return f"'{slot.header}: {slot.scheme} {slot.param}=\"<key>\"'"
    return f"HTTP Basic with the key as the password ('{slot.header}: Basic …')"
