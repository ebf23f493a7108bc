"""Verify an inbound webhook delivery with its provider's own scheme, as the catalogue declares it.

Pure: no I/O, no clock (the caller passes ``now``), no Host header (the caller passes the public
URL the provider called). The signature is checked before the body is parsed.

=====================  ===========================================================================
scheme                 what is signed, and how
=====================  ===========================================================================
``quo-hmac``           ``openphone-signature: hmac;1;<ms>;<b64>`` (comma-separated, any may match):
                       HMAC-SHA256 of ``<ms>.<raw body>``, key = base64-decoded webhook key
``standard-webhooks``  ``webhook-signature: v1,<b64> ...`` over ``<webhook-id>.<timestamp>.<body>``
                       (``whsec_`` key), signed with the ``standardwebhooks`` package
``twilio``             ``X-Twilio-Signature``: HMAC-SHA1 of the public URL + sorted form
                       parameters; JSON bodies are bound through ``?bodySHA256=``; the URL is
                       tried with and without its port, as Twilio's own validator does
``callrail``           ``Signature``: HMAC-SHA1 of the raw body, key = the signing key's text
``ringcentral``        ``Verification-Token`` equal to the token chosen at subscription; creating
                       the subscription sends ``Validation-Token``, echoed by :func:`handshake`
=====================  ===========================================================================

Errors: :class:`~trunkline.errors.Unauthorized` (401) when the signature is missing or does not
match; :class:`~trunkline.errors.InvalidRequest` (400) when the delivery is malformed, or stale
(signed timestamp further from ``now`` than the declared tolerance, either way);
:class:`~trunkline.errors.PayloadTooLarge` (413) above ``max_body_bytes``. Messages name the
header at fault, never a secret or an expected signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from trunkline.catalogue.models import Webhooks, WebhookScheme
from trunkline.errors import InvalidRequest, PayloadTooLarge, TrunklineError, Unauthorized

Secret = str | Sequence[str]
Payload = dict[str, Any]

MAX_ID_LENGTH = 128
TOKEN = re.compile(r"^[\x21-\x7e]{1,512}$")  # visible ASCII only: echoed into a response header
TWILIO_SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"
TWILIO_ALGORITHMS = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}
DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True)
class Verified:
    """An authentic delivery.

    ``delivery_id`` is the provider's identity for dedupe (None when the payload carries none of
    the declared sources); ``timestamp`` is the signed send time when the scheme signs one;
    ``payload`` is the JSON object, or the form fields (a repeated field's values as a list).
    """

    scheme: str
    delivery_id: str | None
    timestamp: datetime | None
    payload: Payload


@dataclass(frozen=True)
class _Delivery:
    method: str
    url: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Verifier = Callable[[WebhookScheme, _Delivery, list[str], datetime], datetime | None]


def select(declaration: Webhooks | WebhookScheme, headers: Mapping[str, str]) -> WebhookScheme:
    """The declared scheme whose signature header the delivery carries (401 if none)."""
    schemes = declaration.schemes if isinstance(declaration, Webhooks) else [declaration]
    present = {name.lower() for name in headers}
    for scheme in schemes:
        if scheme.signature_header.lower() in present:
            return scheme
    expected = " or ".join(s.signature_header for s in schemes)
    raise Unauthorized(f"webhook delivery is not signed: no {expected} header")


def verify(
    declaration: Webhooks | WebhookScheme,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    secret: Secret,
    now: datetime,
) -> Verified:
    """Check one delivery against ``declaration``; ``secret`` may list several (key rotation)."""
    limit = declaration.max_body_bytes if isinstance(declaration, Webhooks) else None
    if limit is not None and len(body) > limit:
        raise PayloadTooLarge(f"webhook body is {len(body)} bytes; the limit is {limit}")
    scheme = select(declaration, headers)
    delivery = _Delivery(method.upper(), url, {k.lower(): v for k, v in headers.items()}, body)
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets or not all(secrets):
        raise TrunklineError("no webhook secret on file to verify this delivery with")
    timestamp = VERIFIERS[scheme.scheme](scheme, delivery, secrets, now)
    payload = _payload(scheme, delivery)
    return Verified(
        scheme=scheme.scheme,
        delivery_id=_identity(scheme.delivery_id, delivery, payload),
        timestamp=timestamp,
        payload=payload,
    )


def handshake(declaration: Webhooks | WebhookScheme, headers: Mapping[str, str]) -> dict[str, str]:
    """Headers to answer a subscription handshake with (RingCentral's ``Validation-Token`` echo);
    empty when the request is not a handshake."""
    schemes = declaration.schemes if isinstance(declaration, Webhooks) else [declaration]
    lower = {k.lower(): v for k, v in headers.items()}
    for scheme in schemes:
        name = scheme.handshake_header
        if name is None or name.lower() not in lower:
            continue
        token = lower[name.lower()]
        if not TOKEN.match(token):
            raise InvalidRequest(f"{name} must be 1 to 512 visible ASCII characters")
        return {name: token}
    return {}


# --- the schemes -------------------------------------------------------------------------------


def _quo_hmac(
    scheme: WebhookScheme, delivery: _Delivery, secrets: list[str], now: datetime
) -> datetime:
    header = delivery.header(scheme.signature_header) or ""
    entries = [e for e in (_quo_entry(part) for part in header.split(",")) if e is not None]
    if not entries:
        raise Unauthorized(f"{scheme.signature_header} is not hmac;1;<timestamp>;<signature>")
    keys = [_base64_key(s) for s in secrets]
    for stamp, signature in entries:
        message = stamp.encode("ascii") + b"." + delivery.body
        if _any_mac_matches(keys, message, hashlib.sha256, signature):
            moment = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
            _fresh(moment, now, scheme)
            return moment
    raise Unauthorized(f"{scheme.signature_header} does not match this delivery")


def _quo_entry(text: str) -> tuple[str, bytes] | None:
    parts = text.strip().split(";")
    if len(parts) != 4 or parts[0] != "hmac" or parts[1] != "1" or not parts[2].isdigit():
        return None
    signature = _b64decode(parts[3])
    return None if signature is None else (parts[2], signature)


def _standard_webhooks(
    scheme: WebhookScheme, delivery: _Delivery, secrets: list[str], now: datetime
) -> datetime:
    assert scheme.id_header and scheme.timestamp_header  # the catalogue model insists
    msg_id = delivery.header(scheme.id_header)
    raw_stamp = delivery.header(scheme.timestamp_header)
    if not msg_id or not raw_stamp:
        missing = scheme.id_header if not msg_id else scheme.timestamp_header
        raise Unauthorized(f"webhook delivery is signed but has no {missing} header")
    if not raw_stamp.isdigit() or len(raw_stamp) > 12:
        raise InvalidRequest(f"{scheme.timestamp_header} must be whole seconds since the epoch")
    moment = datetime.fromtimestamp(int(raw_stamp), tz=UTC)
    try:
        text = delivery.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("webhook body is not UTF-8") from None
    offered = _v1_signatures(delivery.header(scheme.signature_header) or "")
    for secret in secrets:
        expected = _b64decode(_standard_key(secret).sign(msg_id, moment, text).split(",", 1)[1])
        assert expected is not None
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            _fresh(moment, now, scheme)
            return moment
    raise Unauthorized(f"{scheme.signature_header} does not match this delivery")


def _v1_signatures(header: str) -> list[bytes]:
    found = []
    for entry in header.split():
        version, _, encoded = entry.partition(",")
        decoded = _b64decode(encoded) if version == "v1" else None
        if decoded is not None:
            found.append(decoded)
    return found


def _standard_key(secret: str) -> Webhook:
    try:
        return Webhook(secret)
    except (binascii.Error, ValueError, EmptyWebhookSecretError):
        raise TrunklineError("the webhook secret on file is not a whsec_ key") from None


def _twilio(scheme: WebhookScheme, delivery: _Delivery, secrets: list[str], _now: datetime) -> None:
    offered = _b64decode(delivery.header(scheme.signature_header) or "")
    if offered is None:
        raise Unauthorized(f"{scheme.signature_header} is not base64")
    digest = _twilio_algorithm(delivery.header(TWILIO_SETTINGS_HEADER))
    params: list[tuple[str, str]] = []
    body_hash = parse_qs(urlsplit(delivery.url).query).get("bodySHA256")
    if body_hash:
        # A JSON body is bound by its hash in the signed URL; the parameters are then empty.
        actual = hashlib.sha256(delivery.body).hexdigest()
        if not hmac.compare_digest(actual.encode(), body_hash[0].lower().encode()):
            raise Unauthorized("the body does not match the bodySHA256 the URL was signed with")
    elif delivery.method != "GET":
        params = _form_pairs(delivery.body)
    tail = "".join(name + value for name, value in _twilio_sorted(params))
    keys = [s.encode("utf-8") for s in secrets]
    for candidate in _url_variants(delivery.url):
        if _any_mac_matches(keys, (candidate + tail).encode("utf-8"), digest, offered):
            return None
    raise Unauthorized(f"{scheme.signature_header} does not match this URL and body")


def _twilio_algorithm(settings: str | None) -> Any:
    """HMAC-SHA1 unless ``X-Twilio-Webhooks-Signature-Settings`` names another algorithm."""
    for part in (settings or "").split(","):
        name, _, value = part.partition("=")
        if name.strip() == "algorithm" and value.strip():
            algorithm = TWILIO_ALGORITHMS.get(value.strip().upper())
            if algorithm is None:
                raise Unauthorized("unsupported Twilio webhook signature algorithm")
            return algorithm
    return hashlib.sha1


def _twilio_sorted(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Names sorted; each name's values sorted and de-duplicated (twilio's RequestValidator)."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    return [(name, value) for name in sorted(values) for value in sorted(values[name])]


def _url_variants(url: str) -> list[str]:
    """The URL as given, without its port and with the scheme's default port (Twilio signs
    either form, depending on the product)."""
    parts = urlsplit(url)
    variants = [url]
    try:
        port = parts.port
    except ValueError:
        return variants
    if port is not None:
        host = parts.netloc.rpartition(":")[0]
        variants.append(urlunsplit(parts._replace(netloc=host)))
        variants.append(urlunsplit(parts))
    elif parts.scheme in DEFAULT_PORTS:
        netloc = f"{parts.netloc}:{DEFAULT_PORTS[parts.scheme]}"
        variants += [urlunsplit(parts), urlunsplit(parts._replace(netloc=netloc))]
    return list(dict.fromkeys(variants))


def _callrail(
    scheme: WebhookScheme, delivery: _Delivery, secrets: list[str], _now: datetime
) -> None:
    offered = _b64decode(delivery.header(scheme.signature_header) or "")
    if offered is None:
        raise Unauthorized(f"{scheme.signature_header} is not base64")
    keys = [s.encode("utf-8") for s in secrets]
    if not _any_mac_matches(keys, delivery.body, hashlib.sha1, offered):
        raise Unauthorized(f"{scheme.signature_header} does not match this delivery")
    return None


def _ringcentral(
    scheme: WebhookScheme, delivery: _Delivery, secrets: list[str], _now: datetime
) -> None:
    offered = (delivery.header(scheme.signature_header) or "").encode("utf-8")
    if not any(hmac.compare_digest(offered, s.encode("utf-8")) for s in secrets):
        raise Unauthorized(f"{scheme.signature_header} does not match this subscription")
    return None


VERIFIERS: dict[str, Verifier] = {
    "quo-hmac": _quo_hmac,
    "standard-webhooks": _standard_webhooks,
    "twilio": _twilio,
    "callrail": _callrail,
    "ringcentral": _ringcentral,
}


# --- shared pieces -----------------------------------------------------------------------------


def _any_mac_matches(keys: list[bytes], message: bytes, digest: Any, offered: bytes) -> bool:
    # Every key is tried (no early exit on length) so timing says nothing about which failed.
    matched = False
    for key in keys:
        expected = hmac.new(key, message, digest).digest()
        matched |= hmac.compare_digest(expected, offered)
    return matched


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _base64_key(secret: str) -> bytes:
    key = _b64decode(secret)
    if not key:
        raise TrunklineError("the webhook secret on file is not a base64 key")
    return key


def _fresh(moment: datetime, now: datetime, scheme: WebhookScheme) -> None:
    tolerance = scheme.tolerance_seconds
    if tolerance is None:
        return
    skew = (now - moment).total_seconds()
    if abs(skew) > tolerance:
        when = f"{round(skew)} s old" if skew > 0 else f"{round(-skew)} s in the future"
        raise InvalidRequest(
            f"webhook timestamp is {when}; deliveries more than {tolerance} s from now are "
            "refused (a replay, or a clock out of sync)"
        )


def _form_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise InvalidRequest("webhook form body is not UTF-8") from None


def _payload(scheme: WebhookScheme, delivery: _Delivery) -> Payload:
    if scheme.scheme == "twilio" and "bodySHA256" not in parse_qs(urlsplit(delivery.url).query):
        pairs = (
            parse_qsl(urlsplit(delivery.url).query, keep_blank_values=True)
            if delivery.method == "GET"
            else _form_pairs(delivery.body)
        )
        return _form_dict(pairs)
    try:
        parsed = json.loads(delivery.body)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("webhook body is not JSON") from None
    if not isinstance(parsed, dict):
        raise InvalidRequest("webhook body is not a JSON object")
    return parsed


def _form_dict(pairs: list[tuple[str, str]]) -> Payload:
    fields: Payload = {}
    for name, value in pairs:
        if name not in fields:
            fields[name] = value
        elif isinstance(fields[name], list):
            fields[name].append(value)
        else:
            fields[name] = [fields[name], value]
    return fields


def _identity(sources: list[str], delivery: _Delivery, payload: Payload) -> str | None:
    for source in sources:
        kind, _, spec = source.partition(":")
        found: str | None = None
        if kind == "header":
            found = delivery.header(spec) or None
        elif kind == "body":
            values = [_scalar(payload, path) for path in spec.split("+")]
            found = ":".join(v for v in values if v) if all(values) else None
        elif kind == "digest":
            found = "sha256:" + hashlib.sha256(delivery.body).hexdigest()
        if found:
            return _bounded(found)
    return None


def _scalar(payload: Payload, path: str) -> str | None:
    value: Any = payload
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _bounded(identity: str) -> str:
    """Identities go into an index: an outsized one is stored as its hash."""
    if len(identity) <= MAX_ID_LENGTH:
        return identity
    return "sha256:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()
