"""Credential strategies and the catalogue they read: one per auth mode, parsed from YAML."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from trunkline.auth.strategies import upstream_headers
from trunkline.auth.verify import pick
from trunkline.catalogue import Catalogue, load_provider
from trunkline.enums import Mode
from trunkline.errors import ConfigError, CredentialsExpired, InvalidRequest, TestModeUnavailable

CATALOGUE = Catalogue.load()


def test_quo_injects_the_raw_key() -> None:
    headers = upstream_headers(CATALOGUE.providers["quo"], {"api_key": "k" * 20})
    assert headers == {"Authorization": "k" * 20}


def test_callrail_injects_a_token_header() -> None:
    headers = upstream_headers(CATALOGUE.providers["callrail"], {"api_key": "abc123"})
    assert headers == {"Authorization": 'Token token="abc123"'}


def test_twilio_injects_basic_auth() -> None:
    creds = {"account_sid": "AC" + "1" * 32, "auth_token": "secret"}
    header = upstream_headers(CATALOGUE.providers["twilio"], creds)["Authorization"]
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == f"AC{'1' * 32}:secret"


def test_oauth2_injects_the_access_token_and_needs_one() -> None:
    provider = CATALOGUE.providers["ringcentral"]
    assert upstream_headers(provider, {"access_token": "at"}) == {"Authorization": "Bearer at"}
    with pytest.raises(CredentialsExpired):
        upstream_headers(provider, {"access_token": ""})


@pytest.mark.parametrize("bad", ["a\r\nX-Evil: 1", "a\nb", "a\x00b"])
def test_a_credential_cannot_smuggle_headers(bad: str) -> None:
    with pytest.raises(InvalidRequest):
        upstream_headers(CATALOGUE.providers["quo"], {"api_key": bad})


def test_modes_pick_upstreams() -> None:
    catalogue = Catalogue.load()
    assert catalogue.upstream("quo", Mode.LIVE) == "https://api.openphone.com"
    with pytest.raises(TestModeUnavailable):
        catalogue.upstream("quo", Mode.TEST)
    catalogue.mount_sandbox("quo", "http://127.0.0.1:1/sandbox/quo/")
    catalogue.point("quo", "http://127.0.0.1:2/")
    assert catalogue.upstream("quo", Mode.TEST) == "http://127.0.0.1:1/sandbox/quo"
    assert catalogue.upstream("quo", Mode.LIVE) == "http://127.0.0.1:2"
    with pytest.raises(ConfigError):
        catalogue.point("nope", "http://x")


def test_a_provider_file_with_a_typo_fails_at_load(tmp_path: Path) -> None:
    source = (Path(__file__).parents[2] / "src/trunkline/catalogue/providers/quo.yaml").read_text()
    bad = tmp_path / "quo.yaml"
    bad.write_text(source.replace("template:", "templat:"))
    with pytest.raises(ConfigError, match="invalid provider file"):
        load_provider(bad)
    other = tmp_path / "other.yaml"
    other.write_text(source)
    with pytest.raises(ConfigError, match="must match the file name"):
        load_provider(other)


def test_a_template_naming_an_undeclared_field_fails(tmp_path: Path) -> None:
    source = (Path(__file__).parents[2] / "src/trunkline/catalogue/providers/quo.yaml").read_text()
    bad = tmp_path / "quo.yaml"
    bad.write_text(source.replace('"{api_key}"', '"{token}"'))
    with pytest.raises(ConfigError, match="undeclared credential fields"):
        load_provider(bad)


def test_pick_reads_identity_paths() -> None:
    data = {"data": [{"number": "+1"}, {"number": "+2"}], "a": {"b": "c"}}
    assert pick(data, "data[*].number") == ["+1", "+2"]
    assert pick(data, "data[0].number") == "+1"
    assert pick(data, "data[5].number") is None
    assert pick(data, "a.b") == "c"
    assert pick(None, "a.b") is None
