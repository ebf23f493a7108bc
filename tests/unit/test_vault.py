"""The vault: AES-256-GCM bound to the row, key ids, rotation, and which columns it seals."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from trunkline.connections.sealed import SEALED_COLUMNS, reseal
from trunkline.errors import ConfigError
from trunkline.store import Connection
from trunkline.vault import KEY_FILE, Vault, VaultError, new_key_line, parse_keys


def test_round_trip_is_bound_to_the_row() -> None:
    vault = Vault(parse_keys(new_key_line(), "test"))
    token = vault.encrypt({"api_key": "s3cret"}, "row-1")
    assert "s3cret" not in token and token.startswith(f"v1.{vault.primary_kid}.")
    assert vault.decrypt(token, "row-1") == {"api_key": "s3cret"}
    with pytest.raises(VaultError):
        vault.decrypt(token, "row-2")  # copied onto another row: does not open
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(VaultError):
        vault.decrypt(tampered, "row-1")


def test_old_keys_still_decrypt_and_rotation_is_detected() -> None:
    old, new = new_key_line(), new_key_line()
    before = Vault(parse_keys(old, "old"))
    token = before.encrypt({"a": "b"}, "row")
    after = Vault(parse_keys(f"{new},{old}", "both"))
    assert after.decrypt(token, "row") == {"a": "b"}
    assert after.needs_rotation(token)
    assert not after.needs_rotation(after.encrypt({"a": "b"}, "row"))
    with pytest.raises(VaultError):
        Vault(parse_keys(new, "new only")).decrypt(token, "row")


@pytest.mark.parametrize("bad", ["", "nokey", "k1:short", "k$:" + "A" * 43, "k1:!!!"])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_keys(bad, "test")


def test_key_file_is_private_and_read_lazily(tmp_path: Path) -> None:
    vault = Vault.at(None, tmp_path)
    with pytest.raises(ConfigError):
        vault.encrypt({"a": "b"}, "row")  # no key yet: never encrypt under nothing
    made = Vault.from_env_or_file(None, tmp_path, create=True)
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    token = vault.encrypt({"a": "b"}, "row")  # the lazy vault found the file
    assert made.decrypt(token, "row") == {"a": "b"}


def test_reseal_walks_every_sealed_column() -> None:
    old, new = new_key_line(), new_key_line()
    before = Vault(parse_keys(old, "old"))
    conn = Connection(id="row")
    for column, _ in SEALED_COLUMNS:
        setattr(conn, column, before.encrypt({"column": column}, "row"))
    after = Vault(parse_keys(f"{new},{old}", "both"))
    assert reseal(after, conn) == [column for column, _ in SEALED_COLUMNS]
    for column, _ in SEALED_COLUMNS:
        token = getattr(conn, column)
        assert not after.needs_rotation(token)
        assert after.decrypt(token, "row") == {"column": column}
    assert reseal(after, conn) == []
    assert {c for c, _ in SEALED_COLUMNS} >= {"credential", "session_sealed", "oauth_flow"}
