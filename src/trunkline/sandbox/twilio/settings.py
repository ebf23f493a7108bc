"""The URL, method and reference settings shared by IncomingPhoneNumbers and Applications.

Each form parameter maps to the snake_case field of the same name; a record only takes the
parameters it has a field for. Empty strings clear URLs and references, as on Twilio.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.twilio import errors
from trunkline.sandbox.twilio.api import ApiCall
from trunkline.sandbox.twilio.forms import Params

Record = dict[str, Any]

TEXT = ("FriendlyName", "ApiVersion")
URLS = (
    "SmsUrl",
    "SmsFallbackUrl",
    "VoiceUrl",
    "VoiceFallbackUrl",
    "StatusCallback",
    "SmsStatusCallback",
    "MessageStatusCallback",
)
METHODS = (
    "SmsMethod",
    "SmsFallbackMethod",
    "VoiceMethod",
    "VoiceFallbackMethod",
    "StatusCallbackMethod",
)
BOOLEANS = ("VoiceCallerIdLookup", "PublicApplicationConnectEnabled")
REFERENCES = {
    "SmsApplicationSid": "applications",
    "VoiceApplicationSid": "applications",
    "AddressSid": "addresses",
    "EmergencyAddressSid": "addresses",
}


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def apply_settings(params: Params, record: Record) -> None:
    """Copy every recognised parameter present in ``params`` onto ``record``."""
    for name in TEXT:
        _set(record, name, params.text(name))
    for name in URLS:
        _set(record, name, params.url(name))
    for name in METHODS:
        _set(record, name, params.method(name))
    for name in BOOLEANS:
        _set(record, name, params.boolean(name))
    for name in REFERENCES:
        value = params.get(name)
        if value is not None:
            _set(record, name, value or None, clear=True)
    mode = params.get("VoiceReceiveMode")
    if mode is not None and "voice_receive_mode" in record:
        if mode not in ("voice", "fax"):
            raise errors.invalid("VoiceReceiveMode", "must be voice or fax")
        record["voice_receive_mode"] = mode


def check_references(call: ApiCall, account_sid: str) -> None:
    """Applications and addresses named in the request must belong to ``account_sid``."""
    for name, table in REFERENCES.items():
        sid = call.params.get(name)
        if not sid:
            continue
        record = call.world.table(table).get(sid)
        if record is None or record["account_sid"] != account_sid:
            raise errors.invalid(name, f"does not name one of this account's {table}")


def _set(record: Record, name: str, value: Any, clear: bool = False) -> None:
    field = snake(name)
    if field in record and (value is not None or clear):
        record[field] = value
