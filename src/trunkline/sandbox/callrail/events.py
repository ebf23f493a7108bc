"""Webhooks: CallRail POSTs JSON to the URLs of a company's active ``Webhooks`` integration.

Each body is signed with the company's signing key (``Signature`` header, see ``signing.py``).
CallRail does not retry failed deliveries, so neither does the sandbox: one attempt each.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from trunkline.sandbox.callrail.callviews import CallView, webhook_payload
from trunkline.sandbox.callrail.signing import signature
from trunkline.sandbox.callrail.world import Doc, World

CALL_HOOKS = {
    ("inbound", "pre"): "pre_call_webhook",
    ("inbound", "routed"): "answered_call_webhook",
    ("inbound", "post"): "post_call_webhook",
    ("inbound", "modified"): "updated_call_webhook",
    ("outbound", "post"): "post_outbound_call_webhook",
    ("outbound", "modified"): "updated_outbound_call_webhook",
}
WEBHOOK_KEYS = (
    "pre_call_webhook",
    "answered_call_webhook",
    "post_call_webhook",
    "updated_call_webhook",
    "sms_received_webhook",
    "sms_sent_webhook",
    "form_captured_webhook",
    "post_outbound_call_webhook",
    "updated_outbound_call_webhook",
)


def hook_urls(world: World, company_id: str, hook: str) -> list[str]:
    urls: list[str] = []
    for integration in world.table("integrations").values():
        if (
            integration["_company_id"] == company_id
            and integration["type"] == "Webhooks"
            and integration["state"] == "active"
        ):
            urls.extend(integration.get("config", {}).get(hook) or [])
    return urls


def emit(
    world: World, company_id: str, hook: str, payload: Doc, query: dict[str, str] | None = None
) -> int:
    """Send ``payload`` to every URL configured for ``hook``; returns how many were queued."""
    urls = hook_urls(world, company_id, hook)
    if not urls:
        return 0
    company = world.table("companies")[company_id]
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "Signature": signature(str(company["_signing_key"]), body),
        "User-Agent": "CallRail-Webhooks/1.0",
    }
    for url in urls:
        target = _with_query(url, query) if query else url
        world.deliveries.append((hook, world.runtime.webhooks.send(target, body, headers)))
    return len(urls)


def _with_query(url: str, query: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def emit_call(
    world: World, call: Doc, stage: str, base_url: str, changes: list[str] | None = None
) -> int:
    hook = CALL_HOOKS.get((str(call["direction"]), stage))
    if hook is None or not hook_urls(world, str(call["company_id"]), hook):
        return 0
    company = world.table("companies")[str(call["company_id"])]
    view = CallView(world, base_url, str(call["_account"]), ZoneInfo(str(company["time_zone"])))
    tracker = world.table("trackers").get(str(call["tracker_id"]))
    payload: dict[str, Any] = webhook_payload(view, call, tracker)
    if changes is not None:
        payload["changes"] = changes
    legacy = {
        "callernum": str(call["customer_phone_number"]),
        "trackingnum": str(call["tracking_phone_number"]),
        "datetime": str(payload["datetime"]),
    }
    return emit(world, str(call["company_id"]), hook, payload, legacy)
