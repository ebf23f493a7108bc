"""Credential encryption at rest: AES-256-GCM, every ciphertext tagged with its key id.

Token format: ``v1.<kid>.<base64url(nonce || ciphertext+tag)>``. The connection id is bound in as
associated data, so a ciphertext copied onto another row does not decrypt.

Keys come from ``TRUNKLINE_MASTER_KEYS`` (``kid:base64,kid:base64``; the first encrypts) or from
the key file in the data dir (one ``kid:base64`` per line, newest first, mode 0600). Rotation adds
a key at the front and re-encrypts every row; a replica that meets an unknown key id re-reads the
key file first, so running servers keep working while another process rotates.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trunkline.errors import ConfigError

KEY_FILE = "master.key"


class VaultError(ConfigError):
    """A ciphertext that cannot be opened: unknown key id, wrong key, or tampered."""


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


def parse_keys(text: str, source: str) -> list[tuple[str, bytes]]:
    keys: list[tuple[str, bytes]] = []
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        kid, sep, encoded = item.partition(":")
        try:
            key = _b64decode(encoded.strip()) if sep else b""
        except (binascii.Error, ValueError):
            key = b""
        if not sep or not kid.strip().isalnum() or len(key) != 32:
            raise ConfigError(
                f"master key in {source} is malformed: expected 'kid:<base64 of 32 bytes>'"
            )
        keys.append((kid.strip(), key))
    if not keys:
        raise ConfigError(f"no master key found in {source}")
    return keys


def key_line(kid: str, key: bytes) -> str:
    return f"{kid}:{base64.urlsafe_b64encode(key).decode()}"


def new_key_line() -> str:
    return key_line(secrets.token_hex(4), secrets.token_bytes(32))


class Vault:
    def __init__(self, keys: list[tuple[str, bytes]], key_file: Path | None = None) -> None:
        self._key_file = key_file
        self._set(keys)

    def _set(self, keys: list[tuple[str, bytes]]) -> None:
        self.primary_kid = keys[0][0] if keys else ""
        self._keys = {kid: AESGCM(key) for kid, key in keys}

    @classmethod
    def at(cls, env_value: str | None, data_dir: Path) -> Vault:
        """The vault a server will use, before its first start has made the key file: the file
        is read once it exists (first use), so the app can be built before start-up runs."""
        if env_value:
            return cls(parse_keys(env_value, "TRUNKLINE_MASTER_KEYS"))
        path = data_dir / KEY_FILE
        return cls(read_key_file(path) if path.exists() else [], key_file=path)

    @classmethod
    def from_env_or_file(cls, env_value: str | None, data_dir: Path, *, create: bool) -> Vault:
        if env_value:
            return cls(parse_keys(env_value, "TRUNKLINE_MASTER_KEYS"))
        path = data_dir / KEY_FILE
        if not path.exists():
            if not create:
                raise ConfigError(f"master key file {path} is missing")
            write_key_file(path, [new_key_line()])
        return cls(read_key_file(path), key_file=path)

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def encrypt(self, secret: dict[str, str], bound_to: str) -> str:
        if not self._keys:
            self.reload()
            if not self._keys:
                raise ConfigError("no master key is loaded")
        nonce = os.urandom(12)
        sealed = self._keys[self.primary_kid].encrypt(
            nonce, orjson.dumps(secret), bound_to.encode()
        )
        blob = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"v1.{self.primary_kid}.{blob}"

    def decrypt(self, token: str, bound_to: str) -> dict[str, str]:
        try:
            version, kid, blob = token.split(".", 2)
        except ValueError:
            raise VaultError("stored credential is not a vault token") from None
        if version != "v1":
            raise VaultError(f"unknown vault token version {version!r}")
        if kid not in self._keys:
            self.reload()
        aead = self._keys.get(kid)
        if aead is None:
            raise VaultError(f"credential was encrypted with unknown master key {kid!r}")
        raw = _b64decode(blob)
        try:
            plain = aead.decrypt(raw[:12], raw[12:], bound_to.encode())
        except InvalidTag:
            raise VaultError(
                "stored credential failed authentication (wrong key or tampered)"
            ) from None
        value: dict[str, str] = orjson.loads(plain)
        return value

    def needs_rotation(self, token: str) -> bool:
        return not token.startswith(f"v1.{self.primary_kid}.")

    def reload(self) -> None:
        if self._key_file is not None and self._key_file.exists():
            self._set(read_key_file(self._key_file))


def read_key_file(path: Path) -> list[tuple[str, bytes]]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read master key file {path}: {exc}") from exc
    return parse_keys(text, str(path))


def write_key_file(path: Path, lines: list[str]) -> None:
    """Write atomically with mode 0600 from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
