"""The ``webhooks:`` section of the provider files: every provider declares one that loads and
names a scheme ``schemes.verify`` knows; bad declarations are refused when the file loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from trunkline.catalogue import PROVIDERS_DIR, load_provider
from trunkline.catalogue.models import Provider, Webhooks, WebhookScheme
from trunkline.errors import ConfigError
from trunkline.events.schemes import VERIFIERS

from .helpers import CATALOGUE

EXPECTED = {
    "quo": ["quo-hmac", "standard-webhooks"],
    "twilio": ["twilio"],
    "callrail": ["callrail"],
    "ringcentral": ["ringcentral"],
}


def test_every_provider_declares_known_schemes() -> None:
    assert set(CATALOGUE.providers) == set(EXPECTED)
    for slug, provider in CATALOGUE.providers.items():
        assert provider.webhooks is not None, slug
        names = [s.scheme for s in provider.webhooks.schemes]
        assert names == EXPECTED[slug]
        assert set(names) <= set(VERIFIERS)
        for scheme in provider.webhooks.schemes:
            assert scheme.delivery_id, f"{slug} {scheme.scheme} declares no delivery identity"


def test_timestamped_schemes_allow_five_minutes() -> None:
    for provider in CATALOGUE.providers.values():
        assert provider.webhooks is not None
        for scheme in provider.webhooks.schemes:
            expected = 300 if scheme.scheme in ("quo-hmac", "standard-webhooks") else None
            assert scheme.tolerance_seconds == expected


def test_twilio_secret_is_a_declared_credential_field() -> None:
    twilio = CATALOGUE.providers["twilio"]
    assert twilio.webhooks is not None
    scheme = twilio.webhooks.schemes[0]
    assert scheme.secret == "credential.auth_token"
    assert scheme.credential_field == "auth_token"
    assert "auth_token" in {f.name for f in twilio.credentials}
    quo = CATALOGUE.providers["quo"].webhooks
    assert quo is not None and all(s.credential_field is None for s in quo.schemes)


def _raw(slug: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PROVIDERS_DIR / f"{slug}.yaml").read_text("utf-8"))
    return loaded


def _scheme(**changes: Any) -> dict[str, Any]:
    base = {
        "scheme": "standard-webhooks",
        "signature_header": "webhook-signature",
        "id_header": "webhook-id",
        "timestamp_header": "webhook-timestamp",
        "tolerance_seconds": 300,
        "secret": "subscription",
        "delivery_id": ["header:webhook-id"],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("scheme", "why"),
    [
        (_scheme(scheme="svix"), "scheme"),
        (_scheme(tolerance_seconds=None), "tolerance_seconds"),
        (_scheme(id_header=None), "id_header"),
        (_scheme(secret="credential.Auth Token"), "secret"),
        (_scheme(secret="env.SECRET"), "secret"),
        (_scheme(delivery_id=["query:id"]), "delivery_id"),
        (_scheme(delivery_id=["body:"]), "delivery_id"),
        (_scheme(handshake_header="Validation-Token"), "handshake_header"),
        (_scheme(unknown_key=True), "unknown_key"),
        (_scheme(signature_header="bad header"), "signature_header"),
        (
            {
                "scheme": "twilio",
                "signature_header": "X-Twilio-Signature",
                "secret": "subscription",
                "tolerance_seconds": 300,
            },
            "tolerance_seconds",
        ),
        (
            {
                "scheme": "callrail",
                "signature_header": "Signature",
                "secret": "subscription",
                "timestamp_header": "X-Time",
            },
            "timestamp_header",
        ),
    ],
)
def test_bad_scheme_declarations_are_refused(scheme: dict[str, Any], why: str) -> None:
    with pytest.raises(ValidationError) as caught:
        WebhookScheme.model_validate(scheme)
    assert why in str(caught.value)


def test_schemes_must_be_told_apart_by_their_signature_header() -> None:
    with pytest.raises(ValidationError, match="told apart"):
        Webhooks.model_validate(
            {"schemes": [_scheme(), _scheme(signature_header="Webhook-Signature")]}
        )
    with pytest.raises(ValidationError):
        Webhooks.model_validate({"schemes": []})


def test_secret_from_an_undeclared_credential_field_is_refused() -> None:
    raw = _raw("twilio")
    raw["webhooks"]["schemes"][0]["secret"] = "credential.api_secret"
    with pytest.raises(ValidationError, match="undeclared credential field 'api_secret'"):
        Provider.model_validate(raw)


def test_a_broken_webhooks_section_fails_the_load(tmp_path: Path) -> None:
    raw = _raw("callrail")
    raw["webhooks"]["schemes"][0]["scheme"] = "callrail-v2"
    path = tmp_path / "callrail.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    with pytest.raises(ConfigError, match="invalid provider file"):
        load_provider(path)


def test_webhooks_section_is_optional() -> None:
    raw = _raw("callrail")
    del raw["webhooks"]
    assert Provider.model_validate(raw).webhooks is None
