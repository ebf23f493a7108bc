"""RingCentral's JSON for an account, an extension, a call record and a message."""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.ringcentral.world import RingCentralWorld, iso

Doc = dict[str, Any]
REGIONAL = {
    "homeCountry": {"id": "1", "isoCode": "US", "name": "United States"},
    "timezone": {"id": "58", "name": "US/Pacific", "description": "Pacific Time", "bias": "-480"},
    "language": {"id": "1033", "name": "English (United States)", "localeCode": "en-US"},
    "greetingLanguage": {"id": "1033", "name": "English (United States)", "localeCode": "en-US"},
    "formattingLocale": {"id": "1033", "name": "English (United States)", "localeCode": "en-US"},
    "timeFormat": "12h",
}


def account_json(world: RingCentralWorld, base: str) -> Doc:
    account = world.account
    uri = f"{base}/restapi/v1.0/account/{account['id']}"
    operator = next(
        e for e in world.extensions() if e["extensionNumber"] == account["operatorExtension"]
    )
    return {
        "uri": uri,
        "id": int(account["id"]),
        "serviceInfo": {
            "uri": f"{uri}/service-info",
            "brand": {"id": "1210", "name": "RingCentral", "homeCountry": REGIONAL["homeCountry"]},
            "servicePlan": {"id": "4309", "name": "RingEX Advanced", "edition": "Standard"},
            "billingPlan": {
                "id": "6014",
                "name": "Monthly",
                "durationUnit": "Month",
                "duration": 1,
            },
        },
        "operator": {
            "uri": f"{uri}/extension/{operator['id']}",
            "id": int(operator["id"]),
            "extensionNumber": operator["extensionNumber"],
        },
        "mainNumber": account["mainNumber"],
        "status": "Confirmed",
        "setupWizardState": "Completed",
        "signupInfo": {"tosAccepted": True, "signupState": ["AccountConfirmed"]},
        "regionalSettings": REGIONAL,
        "federated": False,
        "limits": {
            "freeSoftPhoneLinesPerExtension": 1,
            "meetingSize": 100,
            "maxMonitoredExtensionsPerUser": 100,
            "maxExtensionNumberLength": 5,
            "siteCodeLength": 0,
            "shortExtensionNumberLength": 5,
        },
    }


def extension_json(world: RingCentralWorld, ext: Doc, base: str) -> Doc:
    account = world.account
    account_uri = f"{base}/restapi/v1.0/account/{account['id']}"
    uri = f"{account_uri}/extension/{ext['id']}"
    return {
        "uri": uri,
        "id": int(ext["id"]),
        "extensionNumber": ext["extensionNumber"],
        "contact": {
            "firstName": ext["firstName"],
            "lastName": ext["lastName"],
            "company": account["companyName"],
            "email": ext["email"],
            "businessPhone": ext["phoneNumber"],
            "emailAsLoginName": True,
            "pronouncedName": {"type": "Default"},
        },
        "name": f"{ext['firstName']} {ext['lastName']}",
        "type": "User",
        "status": "Enabled",
        "serviceFeatures": [
            {"featureName": name, "enabled": True}
            for name in ("SMS", "SMSReceiving", "Voicemail", "CallPark", "Fax")
        ],
        "regionalSettings": REGIONAL,
        "setupWizardState": "Completed",
        "permissions": {
            "admin": {"enabled": ext["admin"]},
            "internationalCalling": {"enabled": False},
        },
        "profileImage": {"uri": f"{uri}/profile-image"},
        "account": {"uri": account_uri, "id": account["id"]},
        "hidden": False,
    }


def call_json(call: Doc, base: str, detailed: bool) -> Doc:
    uri = f"{base}/restapi/v1.0/account/~/extension/{call['extensionId']}/call-log/{call['id']}"
    record: Doc = {
        "uri": uri,
        "id": call["id"],
        "sessionId": call["sessionId"],
        "telephonySessionId": call["telephonySessionId"],
        "startTime": iso(call["startTime"]),
        "duration": call["duration"],
        "durationMs": call["duration"] * 1000,
        "type": "Voice",
        "internalType": "Local",
        "direction": call["direction"],
        "action": "Phone Call" if call["direction"] == "Inbound" else "VoIP Call",
        "result": call["result"],
        "to": dict(call["to"]),
        "from": dict(call["from"]),
    }
    if detailed:
        leg = {k: record[k] for k in ("startTime", "duration", "durationMs", "type", "direction")}
        leg.update(
            action=record["action"],
            result=record["result"],
            to=record["to"],
            **{"from": record["from"]},
            legType="Accept" if call["direction"] == "Inbound" else "OutgoingCall",
            transport="PSTN",
        )
        record.update(
            transport="PSTN",
            lastModifiedTime=iso(call["startTime"] + call["duration"]),
            billing={"costIncluded": 0.0, "costPurchased": 0.0},
            legs=[leg],
        )
    return record


def message_json(message: Doc, base: str) -> Doc:
    uri = (
        f"{base}/restapi/v1.0/account/~/extension/{message['extensionId']}"
        f"/message-store/{message['id']}"
    )
    return {
        "uri": uri,
        "id": int(message["id"]),
        "to": [dict(t) for t in message["to"]],
        "from": dict(message["from"]),
        "type": "SMS",
        "creationTime": iso(message["createdAt"]),
        "readStatus": "Read",
        "priority": "Normal",
        "attachments": [
            {
                "id": int(message["id"]),
                "uri": f"{uri}/content/{message['id']}",
                "type": "Text",
                "contentType": "text/plain",
            }
        ],
        "direction": "Outbound",
        "availability": "Alive",
        "subject": message["text"],
        "messageStatus": message["status"],
        "smsSendingAttemptsCount": 1,
        "conversationId": int(message["conversationId"]),
        "conversation": {
            "uri": f"{base}/restapi/v1.0/conversation/{message['conversationId']}",
            "id": message["conversationId"],
        },
        "lastModifiedTime": iso(message["updatedAt"]),
    }
