"""How a stored call is shown: default fields, ``fields=`` extras and the computed ones.

Times are shown in the request's time zone, recordings as absolute URLs on this sandbox, and the
``formatted_*`` fields in CallRail's display style. Webhook payloads show every field plus the
legacy numeric ids CallRail still sends next to the string ids.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from trunkline.sandbox.callrail import attribution, phones, times
from trunkline.sandbox.callrail.world import Doc, World

DEFAULT_FIELDS = (
    "answered", "business_phone_number", "customer_city", "customer_country", "customer_name",
    "customer_phone_number", "customer_state", "direction", "duration", "id", "recording",
    "recording_duration", "recording_player", "start_time", "tracking_phone_number", "voicemail",
    "agent_email",
)  # fmt: skip
EXTRA_FIELDS = (
    "call_highlights", "call_summary", "call_type", "campaign", "company_id", "company_name",
    "company_time_zone", "conversational_transcript", "created_at", "custom", "device_type",
    "fbclid", "first_call", "formatted_call_type", "formatted_customer_location",
    "formatted_business_phone_number", "formatted_customer_name",
    "formatted_customer_name_or_phone_number", "formatted_customer_phone_number",
    "formatted_duration", "formatted_tracking_phone_number", "formatted_tracking_source",
    "formatted_value", "ga", "gclid", "good_lead_call_id", "good_lead_call_time",
    "integration_data", "keypad_entries", "keywords", "keywords_spotted", "landing_page_url",
    "last_requested_url", "lead_status", "medium", "milestones", "msclkid", "note", "person_id",
    "prior_calls", "referrer_domain", "referring_url", "sentiment", "session_uuid", "source",
    "source_name", "speaker_percent", "tags", "timeline_url", "total_calls", "tracker_id",
    "transcription", "utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term",
    "value", "voice_assist_message", "waveforms", "zip_code", "lead_score", "lead_explanation",
)  # fmt: skip
CALL_TYPE_LABELS = {
    "answered": "Answered",
    "missed": "Missed",
    "voicemail": "Voicemail",
    "outbound": "Outbound",
    "in_progress": "In Progress",
    "abandoned": "Abandoned",
}


def formatted_duration(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes else []
    return " ".join([*parts, f"{secs}s"]) if secs or not parts else " ".join(parts)


class CallView:
    def __init__(self, world: World, base_url: str, account_id: str, zone: ZoneInfo) -> None:
        self.world = world
        self.base_url = base_url
        self.account_id = account_id
        self.zone = zone
        self._totals: Counter[tuple[str, str]] | None = None

    def render(self, call: Doc, extra: list[str]) -> Doc:
        return {name: self.value(call, name) for name in (*DEFAULT_FIELDS, *extra)}

    def everything(self, call: Doc) -> Doc:
        return self.render(call, list(EXTRA_FIELDS))

    def value(self, call: Doc, name: str) -> Any:
        special = getattr(self, f"_field_{name}", None)
        return special(call) if special else call.get(name)

    def _api(self, call: Doc, suffix: str) -> str:
        return f"{self.base_url}/v3/a/{self.account_id}/calls/{call['id']}{suffix}"

    def _media(self, call: Doc, suffix: str) -> str:
        return f"{self.base_url}/calls/{call['id']}/{suffix}?access_key={call['_access_key']}"

    def _field_recording(self, call: Doc) -> str | None:
        return self._api(call, "/recording.json") if call["_recorded"] else None

    def _field_recording_player(self, call: Doc) -> str | None:
        return self._media(call, "recording") if call["_recorded"] else None

    def _field_recording_duration(self, call: Doc) -> str | None:
        return str(call["duration"]) if call["_recorded"] else None

    def _field_waveforms(self, call: Doc) -> list[str] | None:
        if not call["_recorded"]:
            return None
        return [self._media(call, "waveforms/0.png"), self._media(call, "waveforms/1.png")]

    def _field_start_time(self, call: Doc) -> str | None:
        return times.local(call["start_time"], self.zone)

    def _field_created_at(self, call: Doc) -> str | None:
        return times.local(call["created_at"], self.zone)

    def _field_good_lead_call_time(self, call: Doc) -> str | None:
        return times.local(call.get("good_lead_call_time"), self.zone)

    def _company(self, call: Doc) -> Doc:
        return self.world.table("companies").get(str(call["company_id"]), {})

    def _field_company_name(self, call: Doc) -> Any:
        return self._company(call).get("name")

    def _field_company_time_zone(self, call: Doc) -> Any:
        return self._company(call).get("time_zone")

    def _field_total_calls(self, call: Doc) -> int:
        if self._totals is None:
            self._totals = Counter(
                (c["company_id"], c["customer_phone_number"])
                for c in self.world.table("calls").values()
                if not c["_spam"]
            )
        return self._totals[(call["company_id"], call["customer_phone_number"])]

    def _field_timeline_url(self, call: Doc) -> str:
        return f"{self.base_url}/v3/a/{self.account_id}/leads/{call['person_id']}/timeline.json"

    def _field_milestones(self, call: Doc) -> Doc:
        touch = attribution.milestone(call, times.local(call["start_time"], self.zone))
        qualified = call.get("lead_status") in ("good_lead", "previously_marked_good_lead")
        nothing = attribution.milestone(attribution.empty(), None)
        return {
            "first_touch": touch,
            "lead_created": touch,
            "qualified": touch if qualified else nothing,
            "last_touch": touch,
        }

    def _field_formatted_call_type(self, call: Doc) -> str:
        return CALL_TYPE_LABELS.get(str(call["call_type"]), str(call["call_type"]).title())

    def _field_formatted_customer_location(self, call: Doc) -> str | None:
        parts = [p for p in (call.get("customer_city"), call.get("customer_state")) if p]
        return ", ".join(parts) or None

    def _field_formatted_business_phone_number(self, call: Doc) -> str | None:
        return phones.formatted(call.get("business_phone_number"))

    def _field_formatted_customer_name(self, call: Doc) -> str | None:
        name = call.get("customer_name")
        return str(name).title() if name else None

    def _field_formatted_customer_name_or_phone_number(self, call: Doc) -> str | None:
        return self._field_formatted_customer_name(
            call
        ) or self._field_formatted_customer_phone_number(call)

    def _field_formatted_customer_phone_number(self, call: Doc) -> str | None:
        return phones.formatted(call.get("customer_phone_number"))

    def _field_formatted_duration(self, call: Doc) -> str | None:
        return formatted_duration(call.get("duration"))

    def _field_formatted_tracking_phone_number(self, call: Doc) -> str | None:
        return phones.formatted(call.get("tracking_phone_number"))

    def _field_formatted_tracking_source(self, call: Doc) -> Any:
        return call.get("source")

    def _field_formatted_value(self, call: Doc) -> str:
        return f"${call['value']}" if call.get("value") else "--"


def webhook_payload(view: CallView, call: Doc, tracker: Doc | None) -> Doc:
    """The call object as webhooks send it: every field, string ids and legacy numeric ids."""
    payload = view.everything(call)
    company = view.world.table("companies").get(str(call["company_id"]), {})
    payload.update(
        id=call["_numeric_id"],
        resource_id=call["id"],
        company_id=company.get("_numeric_id"),
        company_resource_id=call["company_id"],
        tracker_id=tracker.get("_numeric_id") if tracker else None,
        tracker_resource_id=call["tracker_id"],
        person_resource_id=call["person_id"],
        callernum=call["customer_phone_number"],
        trackingnum=call["tracking_phone_number"],
        callsource=str(call.get("source") or "").lower().replace(" ", "_"),
        datetime=times.parse(str(call["start_time"])).strftime("%Y-%m-%d %H:%M:%S"),
        timestamp=times.local(call["start_time"], view.zone),
    )
    return payload
