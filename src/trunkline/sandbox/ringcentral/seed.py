"""The seeded world: one company, its users, numbers and calls; one registered OAuth app.

Deterministic down to every id, number, token and secret. Times are relative to the moment the
world is created (RingCentral's call log only shows the last day by default, so a fixed past
date would leave it empty), and are kept with the state so a restart sees the same ones.

* **Harbor Street Realty** (account ``SANDBOX_ACCOUNT_ID``): three user extensions, 101 (Dana
  Whitfield, the signed-in user on the consent page by default), 102 and 103; each has a direct
  number that can send SMS; the company's main number rings 101.
* **trunkline (sandbox)**: a confidential OAuth app (client id and secret below) that may use
  any redirect URI, with the scopes the catalogue asks for.
* One pre-authorized session of that app for extension 101 (``SEEDED_TOKENS``), so the default
  sandbox connection works without a browser.
"""

from __future__ import annotations

import time
from typing import Any

from trunkline.sandbox.kit import IdMaker

Doc = dict[str, Any]

SCHEMA_VERSION = 1
ACCESS_TTL = 3600
REFRESH_TTL = 7 * 24 * 3600
SCOPES = ("ReadAccounts", "ReadCallLog", "ReadMessages", "SMS")

_ids = IdMaker("ringcentral-seed")
SANDBOX_ACCOUNT_ID = "3" + "".join(str(_ids.randint(0, 9)) for _ in range(8))
CLIENT_ID = _ids.alnum(22)
CLIENT_SECRET = _ids.alnum(44)
SEEDED_TOKENS = {
    "access_token": "U0pDMTFQMDFQQVMwMXx" + _ids.alnum(40),
    "refresh_token": "U0pDMTFQMDFQQVMwMXx" + _ids.alnum(44),
}

USERS = (
    ("101", "Dana", "Whitfield", "+16505550101", True),
    ("102", "Marcus", "Ortega", "+16505550102", False),
    ("103", "Priya", "Natarajan", "+16505550103", False),
)
MAIN_NUMBER = "+16505550100"
# (minutes ago, direction, customer number, customer name, extension, result, seconds)
CALLS = (
    (35, "Inbound", "+14155550123", "Alex Moreno", "101", "Accepted", 312),
    (80, "Outbound", "+14155550123", "Alex Moreno", "101", "Call connected", 95),
    (150, "Inbound", "+12125550187", "", "101", "Missed", 0),
    (240, "Inbound", "+13105550166", "Jordan Lee", "101", "Voicemail", 41),
    (400, "Outbound", "+16175550142", "Sam Patel", "102", "Call connected", 620),
    (2000, "Inbound", "+14155550123", "Alex Moreno", "101", "Accepted", 188),
)


def build_seed() -> dict[str, Any]:
    ids = IdMaker("ringcentral-seed-world")
    created = time.time()
    data: dict[str, Any] = {
        "meta": {"schemaVersion": SCHEMA_VERSION, "createdAt": created, "tokenRequests": []},
        "accounts": {
            SANDBOX_ACCOUNT_ID: {
                "id": SANDBOX_ACCOUNT_ID,
                "companyName": "Harbor Street Realty",
                "mainNumber": MAIN_NUMBER,
                "operatorExtension": "101",
                "createdAt": created - 400 * 86400,
            }
        },
        "extensions": {},
        "calls": {},
        "messages": {},
        "clients": {
            CLIENT_ID: {
                "id": CLIENT_ID,
                "secret": CLIENT_SECRET,
                "name": "trunkline (sandbox)",
                "redirectUris": [],  # empty: any http(s) redirect URI is accepted
                "scopes": list(SCOPES),
                "accessTtl": ACCESS_TTL,
                "refreshTtl": REFRESH_TTL,
            }
        },
        "sessions": {},
        "accessTokens": {},
        "refreshTokens": {},
        "codes": {},
    }
    by_number: dict[str, Doc] = {}
    for number, first, last, phone, admin in USERS:
        ext_id = SANDBOX_ACCOUNT_ID + number.rjust(4, "0")[-3:] + "004"
        ext = {
            "id": ext_id,
            "accountId": SANDBOX_ACCOUNT_ID,
            "extensionNumber": number,
            "firstName": first,
            "lastName": last,
            "email": f"{first.lower()}.{last.lower()}@harborstreetrealty.example",
            "phoneNumber": phone,
            "admin": admin,
        }
        data["extensions"][ext_id] = ext
        by_number[number] = ext
    for minutes, direction, customer, name, number, result, seconds in CALLS:
        ext = by_number[number]
        start = created - minutes * 60
        call_id = ids.alnum(15)
        ours = {"phoneNumber": ext["phoneNumber"], "name": f"{ext['firstName']} {ext['lastName']}"}
        theirs = {"phoneNumber": customer, **({"name": name} if name else {})}
        data["calls"][call_id] = {
            "id": call_id,
            "extensionId": ext["id"],
            "sessionId": str(ids.randint(10**11, 10**12 - 1)),
            "telephonySessionId": "s-" + ids.hex(32),
            "startTime": start,
            "duration": seconds,
            "direction": direction,
            "result": result,
            "from": theirs if direction == "Inbound" else ours,
            "to": ours if direction == "Inbound" else theirs,
        }
    session_id = ids.hex(16)
    data["sessions"][session_id] = {
        "id": session_id,
        "clientId": CLIENT_ID,
        "extensionId": by_number["101"]["id"],
        "scope": " ".join(SCOPES),
        "accessToken": SEEDED_TOKENS["access_token"],
        "accessExpiresAt": created + ACCESS_TTL,
        "refreshToken": SEEDED_TOKENS["refresh_token"],
        "refreshExpiresAt": created + REFRESH_TTL,
        "endpointId": ids.alnum(22),
        "revokedAt": None,
        "createdAt": created,
    }
    data["accessTokens"][SEEDED_TOKENS["access_token"]] = session_id
    data["refreshTokens"][SEEDED_TOKENS["refresh_token"]] = session_id
    return data
