"""Refusals (forged, altered, stale, missing), cross-checks against the providers' own libraries
(``standardwebhooks``, twilio's ``RequestValidator``), identities, handshake and limits."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from trunkline.errors import (
    InvalidRequest,
    PayloadTooLarge,
    TrunklineError,
    Unauthorized,
)
from trunkline.events.schemes import Verified, handshake, select, verify

from .helpers import at, callrail_signature, declaration, quo_header

URL = "https://trunkline.example/webhooks/app/tok"
NOW = at(1_776_081_600)
QUO_KEY = base64.b64encode(b"quo-sandbox-signing-key-01234567").decode()
BODY = json.dumps({"id": "EV1", "type": "message.received", "data": {"object": {}}}).encode()


def _verify(app: str, headers: dict[str, str], body: bytes, secret: Any, **kw: Any) -> Verified:
    args: dict[str, Any] = {"method": "POST", "url": URL, "now": NOW, **kw}
    return verify(declaration(app), headers=headers, body=body, secret=secret, **args)


def _no_leak(exc: pytest.ExceptionInfo[TrunklineError], *secret_values: str) -> None:
    text = str(exc.value) + json.dumps(exc.value.details)
    for value in secret_values:
        assert value not in text


# --- selection, limits, secrets ------------------------------------------


def test_an_unsigned_delivery_is_unauthorized() -> None:
    with pytest.raises(Unauthorized, match="no openphone-signature or webhook-signature header"):
        _verify("quo", {"content-type": "application/json"}, BODY, QUO_KEY)


def test_the_scheme_is_chosen_by_the_header_present_in_any_case() -> None:
    quo = declaration("quo")
    assert select(quo, {"OpenPhone-Signature": "x"}).scheme == "quo-hmac"
    assert select(quo, {"Webhook-Signature": "x"}).scheme == "standard-webhooks"
    assert select(quo.schemes[1], {"webhook-signature": "x"}).scheme == "standard-webhooks"


def test_an_oversized_body_is_refused_before_anything_else() -> None:
    body = b"x" * (declaration("callrail").max_body_bytes + 1)
    with pytest.raises(PayloadTooLarge):
        _verify("callrail", {}, body, "key")


def test_no_secret_on_file_is_a_server_error_not_a_401() -> None:
    header = quo_header(QUO_KEY, "1776081600000", BODY)
    empty: list[Any] = ["", []]
    for secret in empty:
        with pytest.raises(TrunklineError) as caught:
            _verify("quo", {"openphone-signature": header}, BODY, secret)
        assert caught.value.status == 500


# --- Quo legacy: openphone-signature ---


def _quo(
    header: str, body: bytes = BODY, secret: Any = QUO_KEY, now_s: float = 1_776_081_600
) -> Verified:
    return _verify("quo", {"openphone-signature": header}, body, secret, now=at(now_s))


def test_quo_legacy_accepts_its_own_signature() -> None:
    verified = _quo(quo_header(QUO_KEY, "1776081600000", BODY))
    assert verified.delivery_id == "EV1"
    assert verified.timestamp == at(1_776_081_600)
    assert verified.payload["type"] == "message.received"


def test_quo_legacy_refuses_forged_altered_and_malformed() -> None:
    good = quo_header(QUO_KEY, "1776081600000", BODY)
    other_key = base64.b64encode(b"another-key-entirely-0123456789a").decode()
    cases = [
        quo_header(other_key, "1776081600000", BODY),  # forged with another key
        good.replace("1776081600000", "1776081600001"),  # timestamp not the one signed
        "hmac;1;1776081600000;not base64!",
        "hmac;2;" + good.split(";", 2)[2],  # unknown version
        "sha256=" + good,
        "",
    ]
    for header in cases:
        with pytest.raises(Unauthorized) as caught:
            _quo(header)
        _no_leak(caught, QUO_KEY, good.rsplit(";", 1)[1])
    with pytest.raises(Unauthorized):
        _quo(good, body=BODY.replace(b"EV1", b"EV2"))


def test_quo_legacy_any_of_several_signatures_may_match() -> None:
    other_key = base64.b64encode(b"another-key-entirely-0123456789a").decode()
    good = quo_header(QUO_KEY, "1776081600000", BODY)
    header = f"{quo_header(other_key, '1776081600000', BODY)}, garbage, {good}"
    assert _quo(header).delivery_id == "EV1"
    assert _quo(good, secret=[other_key, QUO_KEY]).delivery_id == "EV1"


@pytest.mark.parametrize(
    ("offset", "fresh"), [(0, True), (300, True), (-300, True), (301, False), (-301, False)]
)
def test_quo_legacy_timestamp_tolerance(offset: int, fresh: bool) -> None:
    header = quo_header(QUO_KEY, "1776081600000", BODY)
    if fresh:
        _quo(header, now_s=1_776_081_600 + offset)
        return
    with pytest.raises(InvalidRequest) as caught:
        _quo(header, now_s=1_776_081_600 + offset)
    assert ("old" if offset > 0 else "in the future") in caught.value.message
    assert "300 s" in caught.value.message


def test_quo_legacy_a_forged_stale_delivery_is_unauthorized_not_stale() -> None:
    other_key = base64.b64encode(b"another-key-entirely-0123456789a").decode()
    with pytest.raises(Unauthorized):
        _quo(quo_header(other_key, "1000000000000", BODY))


def test_quo_legacy_authentic_but_not_json_is_a_bad_request() -> None:
    body = b"<xml/>"
    with pytest.raises(InvalidRequest, match="not JSON"):
        _quo(quo_header(QUO_KEY, "1776081600000", body), body=body)
    array = b"[1, 2]"
    with pytest.raises(InvalidRequest, match="not a JSON object"):
        _quo(quo_header(QUO_KEY, "1776081600000", array), body=array)


# --- Quo dated: Standard Webhooks, signed by the standardwebhooks package ---

WHSEC = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _sw_headers(secret: str, msg_id: str, seconds: int, body: str) -> dict[str, str]:
    signature = Webhook(secret).sign(msg_id, at(seconds), body)
    return {"webhook-id": msg_id, "webhook-timestamp": str(seconds), "webhook-signature": signature}


@given(
    body=st.dictionaries(st.text(max_size=8), st.text(max_size=20) | st.integers(), max_size=5),
    msg_id=st.from_regex(r"msg_[A-Za-z0-9]{1,30}", fullmatch=True),
    skew=st.integers(-300, 300),
)
@settings(max_examples=60, deadline=None)
def test_standard_webhooks_deliveries_from_the_package_verify(
    body: dict[str, Any], msg_id: str, skew: int
) -> None:
    text = json.dumps(body, ensure_ascii=False)
    seconds = 1_776_081_600
    headers = _sw_headers(WHSEC, msg_id, seconds, text)
    verified = _verify("quo", headers, text.encode(), WHSEC, now=at(seconds + skew))
    assert verified.delivery_id == msg_id
    assert verified.payload == body


def test_standard_webhooks_agrees_with_the_package_on_a_fresh_delivery() -> None:
    from datetime import UTC, datetime

    now = datetime.now(tz=UTC)
    text = '{"id":"EV9","type":"call.ringing"}'
    headers = _sw_headers(WHSEC, "msg_fresh", int(now.timestamp()), text)
    assert Webhook(WHSEC).verify(text, headers) == json.loads(text)
    assert _verify("quo", headers, text.encode(), WHSEC, now=now).payload == json.loads(text)
    altered = text.replace("EV9", "EV8")
    with pytest.raises(WebhookVerificationError):
        Webhook(WHSEC).verify(altered, headers)
    with pytest.raises(Unauthorized):
        _verify("quo", headers, altered.encode(), WHSEC, now=now)


def test_standard_webhooks_refuses_altered_deliveries() -> None:
    text = '{"id":"EV1","type":"message.received"}'
    seconds = 1_776_081_600
    good = _sw_headers(WHSEC, "msg_1", seconds, text)
    other = "whsec_" + base64.b64encode(b"x" * 24).decode()
    altered = [
        (good, text.replace("EV1", "EV2")),  # body
        ({**good, "webhook-id": "msg_2"}, text),  # id
        ({**good, "webhook-timestamp": str(seconds + 1)}, text),  # timestamp
        (_sw_headers(other, "msg_1", seconds, text), text),  # key
        ({**good, "webhook-signature": "v2," + good["webhook-signature"][3:]}, text),  # version
        ({**good, "webhook-signature": "v1,@@@"}, text),
        ({**good, "webhook-signature": "garbage"}, text),
    ]
    for headers, body in altered:
        with pytest.raises(Unauthorized) as caught:
            _verify("quo", headers, body.encode(), WHSEC, now=at(seconds))
        _no_leak(caught, WHSEC, good["webhook-signature"][3:])


def test_standard_webhooks_missing_and_malformed_headers() -> None:
    text = '{"id":"EV1"}'
    seconds = 1_776_081_600
    good = _sw_headers(WHSEC, "msg_1", seconds, text)
    for name in ("webhook-id", "webhook-timestamp"):
        headers = {k: v for k, v in good.items() if k != name}
        with pytest.raises(Unauthorized, match=name):
            _verify("quo", headers, text.encode(), WHSEC, now=at(seconds))
    for stamp in ("1776081600.5", "-1", "soon", "9" * 20):
        with pytest.raises(InvalidRequest, match="webhook-timestamp"):
            _verify(
                "quo", {**good, "webhook-timestamp": stamp}, text.encode(), WHSEC, now=at(seconds)
            )
    with pytest.raises(InvalidRequest, match="UTF-8"):
        _verify("quo", good, b"\xff\xfe", WHSEC, now=at(seconds))


@pytest.mark.parametrize(("skew", "word"), [(301, "old"), (-301, "in the future"), (86400, "old")])
def test_standard_webhooks_stale_is_a_bad_request(skew: int, word: str) -> None:
    text = '{"id":"EV1"}'
    headers = _sw_headers(WHSEC, "msg_1", 1_776_081_600, text)
    with pytest.raises(InvalidRequest, match=word):
        _verify("quo", headers, text.encode(), WHSEC, now=at(1_776_081_600 + skew))


def test_standard_webhooks_several_entries_and_keys() -> None:
    text = '{"id":"EV1"}'
    old = "whsec_" + base64.b64encode(b"o" * 24).decode()
    a = _sw_headers(WHSEC, "msg_1", 1_776_081_600, text)
    b = _sw_headers(old, "msg_1", 1_776_081_600, text)
    headers = {
        **a,
        "webhook-signature": f"v1a,xyz {b['webhook-signature']}  {a['webhook-signature']}",
    }
    for secret in (WHSEC, old, [old, WHSEC]):
        _verify("quo", headers, text.encode(), secret, now=NOW)


def test_standard_webhooks_an_unusable_secret_is_a_server_error() -> None:
    text = '{"id":"EV1"}'
    headers = _sw_headers(WHSEC, "msg_1", 1_776_081_600, text)
    with pytest.raises(TrunklineError) as caught:
        _verify("quo", headers, text.encode(), "whsec_!!!not-base64", now=NOW)
    assert caught.value.status == 500


# --- Twilio: cross-checked with twilio.request_validator.RequestValidator ------------------------


class _MultiDict(dict[str, list[str]]):
    """What RequestValidator reads repeated form fields through (``getlist``)."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def _multi(pairs: list[tuple[str, str]]) -> _MultiDict:
    found = _MultiDict()
    for name, value in pairs:
        found.setdefault(name, []).append(value)
    return found


TOKEN = "0123456789abcdef0123456789abcdef"
hosts = st.sampled_from(["example.com", "hooks.trunkline.test", "a.b.example.org"])
ports = st.sampled_from([None, None, 443, 80, 8443, 1234])
paths = st.from_regex(r"/[a-z0-9/_-]{0,20}", fullmatch=True)
names = st.sampled_from(["To", "From", "Body", "Digits", "CallSid", "SmsStatus", "MediaUrl0", "Ü"])
values = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
query = st.lists(
    st.tuples(st.sampled_from(["foo", "bar", "x"]), st.text("ab1=&+ ", max_size=4)), max_size=3
)


def _url(scheme: str, host: str, port: int | None, path: str, params: list[tuple[str, str]]) -> str:
    netloc = f"{host}:{port}" if port else host
    return f"{scheme}://{netloc}{path}" + (f"?{urlencode(params)}" if params else "")


@given(
    scheme=st.sampled_from(["https", "http"]),
    host=hosts,
    port=ports,
    path=paths,
    qs=query,
    pairs=st.lists(st.tuples(names, values), max_size=8),
    signed_port=st.sampled_from(["same", "none", "default"]),
    tamper=st.sampled_from([None, None, "token", "value", "extra", "url"]),
)
@settings(max_examples=300, deadline=None)
def test_twilio_form_agrees_with_request_validator(
    scheme: str,
    host: str,
    port: int | None,
    path: str,
    qs: list[tuple[str, str]],
    pairs: list[tuple[str, str]],
    signed_port: str,
    tamper: str | None,
) -> None:
    called = _url(scheme, host, port, path, qs)
    default = 443 if scheme == "https" else 80
    signed_url = _url(
        scheme, host, {"same": port, "none": None, "default": default}[signed_port], path, qs
    )
    token = "f" * 32 if tamper == "token" else TOKEN
    sent = list(pairs)
    if tamper == "value" and sent:
        sent[0] = (sent[0][0], sent[0][1] + "!")
    if tamper == "extra":
        sent.append(("Injected", "1"))
    if tamper == "url":
        signed_url += "#x" if "?" in signed_url else "?y=1"
    signature = RequestValidator(token).compute_signature(signed_url, _multi(pairs))
    theirs = RequestValidator(TOKEN).validate(called, _multi(sent), signature)
    body = urlencode(sent).encode()
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    try:
        verified = verify(
            declaration("twilio"),
            method="POST",
            url=called,
            headers=headers,
            body=body,
            secret=TOKEN,
            now=NOW,
        )
    except Unauthorized:
        mine = False
    else:
        mine = True
        assert {
            k: v if isinstance(v, list) else [v] for k, v in verified.payload.items()
        } == _multi(sent)
    assert mine == theirs
    if tamper is None and (port in (None, default) or signed_port == "same"):
        assert mine, "an untampered request signed over a port variant must pass"


@given(
    body=st.dictionaries(st.text(max_size=6), st.text(max_size=10) | st.booleans(), max_size=4),
    tamper=st.booleans(),
    port=st.sampled_from([None, 443]),
)
@settings(max_examples=100, deadline=None)
def test_twilio_json_body_sha256_agrees_with_request_validator(
    body: dict[str, Any], tamper: bool, port: int | None
) -> None:
    text = json.dumps(body, ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()
    url = _url("https", "example.com", port, "/hook", [("a", "1"), ("bodySHA256", digest)])
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    sent = text + (" " if tamper else "")
    theirs = RequestValidator(TOKEN).validate(url, sent, signature)
    try:
        verified = verify(
            declaration("twilio"),
            method="POST",
            url=url,
            headers={"X-Twilio-Signature": signature, "Content-Type": "application/json"},
            body=sent.encode(),
            secret=TOKEN,
            now=NOW,
        )
    except Unauthorized:
        mine = False
    else:
        mine = True
        assert verified.payload == body
    assert mine == theirs == (not tamper)


@pytest.mark.parametrize("algorithm", ["HMAC_SHA1", "HMAC_SHA256"])
def test_twilio_signature_settings_header_picks_the_algorithm(algorithm: str) -> None:
    pairs = [("MessageSid", "SM1"), ("MessageStatus", "sent")]
    signature = RequestValidator(TOKEN).compute_signature(URL, _multi(pairs), algorithm)
    headers = {
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": f"key=webhooks_sharedkey_1,algorithm={algorithm}",
    }
    _verify("twilio", headers, urlencode(pairs).encode(), TOKEN)
    with pytest.raises(Unauthorized):
        _verify(
            "twilio",
            {**headers, "X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_MD5"},
            urlencode(pairs).encode(),
            TOKEN,
        )


def test_twilio_refusals() -> None:
    pairs = [("MessageSid", "SM1"), ("MessageStatus", "sent")]
    body = urlencode(pairs).encode()
    good = RequestValidator(TOKEN).compute_signature(URL, _multi(pairs))
    for headers in (
        {},
        {"X-Twilio-Signature": "%%%"},
        {"X-Twilio-Signature": base64.b64encode(b"x" * 20).decode()},
    ):
        with pytest.raises(Unauthorized) as caught:
            _verify("twilio", headers, body, TOKEN)
        _no_leak(caught, TOKEN, good)
    # The URL is the public one the caller passes: the same request at another URL is refused.
    with pytest.raises(Unauthorized):
        _verify(
            "twilio", {"X-Twilio-Signature": good}, body, TOKEN, url=URL.replace("tok", "other")
        )
    # A JSON body whose hash is not the one in the signed URL.
    url = URL + "?bodySHA256=" + hashlib.sha256(b"{}").hexdigest()
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    with pytest.raises(Unauthorized, match="bodySHA256"):
        _verify("twilio", {"X-Twilio-Signature": signature}, b'{"a":1}', TOKEN, url=url)


def test_twilio_get_callback_is_signed_over_the_full_url() -> None:
    url = (
        URL
        + "?"
        + urlencode([("CallSid", "CA1"), ("CallStatus", "completed"), ("CallDuration", "7")])
    )
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    verified = _verify(
        "twilio", {"X-Twilio-Signature": signature}, b"", TOKEN, url=url, method="GET"
    )
    assert verified.payload == {"CallSid": "CA1", "CallStatus": "completed", "CallDuration": "7"}
    assert verified.delivery_id == "CA1:completed"


def test_twilio_delivery_identity_prefers_the_idempotency_header() -> None:
    pairs = [("MessageSid", "SM1"), ("MessageStatus", "delivered"), ("SmsStatus", "delivered")]
    body = urlencode(pairs).encode()
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(URL, _multi(pairs))}
    assert _verify("twilio", headers, body, TOKEN).delivery_id == "SM1:delivered"
    token_header = {**headers, "I-Twilio-Idempotency-Token": "abc123"}
    assert _verify("twilio", token_header, body, TOKEN).delivery_id == "abc123"
    huge = {**headers, "I-Twilio-Idempotency-Token": "z" * 500}
    identity = _verify("twilio", huge, body, TOKEN).delivery_id
    assert identity is not None and identity.startswith("sha256:") and len(identity) == 71
    rec = [("CallSid", "CA1"), ("RecordingSid", "RE1"), ("RecordingStatus", "completed")]
    rec_headers = {
        "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(URL, _multi(rec))
    }
    assert (
        _verify("twilio", rec_headers, urlencode(rec).encode(), TOKEN).delivery_id
        == "RE1:completed"
    )


# --- CallRail ------------------------------------------

CR_KEY = "072e77e426f92738a72fe23c4d1953b4"


def test_callrail_refusals() -> None:
    body = b'{"resource_id":"CAL1","answered":true}'
    good = callrail_signature(CR_KEY, body)
    cases: list[tuple[dict[str, str], bytes]] = [
        ({}, body),
        ({"Signature": "%%%"}, body),
        ({"Signature": good}, body + b" "),
        ({"Signature": callrail_signature("another-key", body)}, body),
        ({"signature": good.lower()}, body),
    ]
    for headers, sent in cases:
        with pytest.raises(Unauthorized) as caught:
            _verify("callrail", headers, sent, CR_KEY)
        _no_leak(caught, CR_KEY, good)
    verified = _verify("callrail", {"SIGNATURE": good}, body, CR_KEY)
    assert verified.delivery_id == "sha256:" + hashlib.sha256(body).hexdigest()
    assert verified.timestamp is None


def test_callrail_authentic_but_not_an_object() -> None:
    body = b'"text"'
    with pytest.raises(InvalidRequest):
        _verify("callrail", {"Signature": callrail_signature(CR_KEY, body)}, body, CR_KEY)


# --- RingCentral ------------------------------------------


def test_ringcentral_verification_token() -> None:
    body = json.dumps(
        {
            "uuid": "u-1",
            "event": "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
            "body": {},
        }
    ).encode()
    verified = _verify("ringcentral", {"Verification-Token": "s3cret-token"}, body, "s3cret-token")
    assert verified.delivery_id == "u-1"
    for headers in ({}, {"Verification-Token": "s3cret-toke"}, {"Verification-Token": ""}):
        with pytest.raises(Unauthorized) as caught:
            _verify("ringcentral", headers, body, "s3cret-token")
        _no_leak(caught, "s3cret-token")


def test_ringcentral_handshake_echoes_the_validation_token() -> None:
    rc = declaration("ringcentral")
    assert handshake(rc, {"validation-token": "abc-123_XYZ"}) == {"Validation-Token": "abc-123_XYZ"}
    assert handshake(rc, {"Verification-Token": "x"}) == {}
    for bad in ("", "a\r\nSet-Cookie: x=1", "a b", "é", "x" * 513):
        with pytest.raises(InvalidRequest):
            handshake(rc, {"Validation-Token": bad})
    for app in ("quo", "twilio", "callrail"):
        assert handshake(declaration(app), {"Validation-Token": "abc"}) == {}


def test_declaration_can_be_one_scheme_without_the_limit() -> None:
    scheme = declaration("callrail").schemes[0]
    body = b"{}" + b" " * 2_000_000
    verified = verify(
        scheme,
        method="POST",
        url=URL,
        headers={"Signature": callrail_signature(CR_KEY, body)},
        body=body,
        secret=CR_KEY,
        now=NOW,
    )
    assert verified.payload == {}


def test_now_is_the_only_clock() -> None:
    header = quo_header(QUO_KEY, "1000000000000", BODY)
    assert _quo(header, now_s=1_000_000_000).timestamp == at(1_000_000_000)
    with pytest.raises(InvalidRequest):
        _quo(header, now_s=1_000_000_000 + timedelta(minutes=6).total_seconds())
