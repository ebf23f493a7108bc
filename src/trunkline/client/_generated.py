# File generated from src/trunkline/catalogue/actions/*.yaml by
# `python -m trunkline.actions.codegen`: do not edit.
"""Typed per-provider helpers: ``client.quo.messages.send(...)`` runs ``quo.send_message``."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Literal

from trunkline.client._helpers import AsyncResource, SyncResource, as_is
from trunkline.client._pagers import AsyncPager, SyncPager
from trunkline.client._resources import (
    CallRailCall,
    QuoCall,
    QuoCallDetails,
    QuoContact,
    QuoMessage,
    TwilioCall,
    TwilioMessage,
)

if TYPE_CHECKING:
    from trunkline.client._client import AsyncTrunkline, Trunkline

__all__ = ["AsyncProviders", "SyncProviders"]


class SyncCallrailCalls(SyncResource):
    def list(
        self,
        *,
        company_id: str | None = None,
        tracker_id: str | None = None,
        search: str | None = None,
        answer_status: Literal["answered", "missed", "voicemail"] | None = None,
        direction: Literal["inbound", "outbound"] | None = None,
        lead_status: Literal["good_lead", "not_a_lead", "previously_marked_good_lead"]
        | None = None,
        tags: builtins.list[str] | None = None,
        date_range: Literal[
            "recent",
            "today",
            "yesterday",
            "last_7_days",
            "last_30_days",
            "this_month",
            "last_month",
            "this_year",
            "last_year",
            "all_time",
        ]
        | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        fields: str | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[CallRailCall]:
        """List tracked calls.

        Calls tracked by CallRail, newest first, with caller, tracking source, duration,
        answered/missed, lead status, tags and notes. Filter by company, tracker, search
        text (caller name or number), answer status, direction, lead status, tags or
        date range.
        """
        args: dict[str, Any] = {
            "company_id": company_id,
            "tracker_id": tracker_id,
            "search": search,
            "answer_status": answer_status,
            "direction": direction,
            "lead_status": lead_status,
            "tags": tags,
            "date_range": date_range,
            "start_date": start_date,
            "end_date": end_date,
            "fields": fields,
            "account_id": account_id,
        }
        return self._pages(
            "callrail.list_calls", args, connection, limit, 250, CallRailCall.model_validate
        )

    def get(
        self,
        *,
        call_id: str,
        fields: str | None = None,
        account_id: str | None = None,
        connection: str | None = None,
    ) -> CallRailCall:
        """Get a call.

        One tracked call with its source, recording link, note, tags, value and lead
        status.
        """
        args: dict[str, Any] = {
            "call_id": call_id,
            "fields": fields,
            "account_id": account_id,
        }
        return CallRailCall.model_validate(self._run("callrail.get_call", args, connection))

    def update(
        self,
        *,
        call_id: str,
        note: str | None = None,
        customer_name: str | None = None,
        lead_status: Literal["good_lead", "not_a_lead"] | None = None,
        value: str | None = None,
        tags: builtins.list[str] | None = None,
        spam: bool | None = None,
        account_id: str | None = None,
        connection: str | None = None,
    ) -> CallRailCall:
        """Update a call.

        Set a call's note, customer name, lead status or value, or replace its tags.
        Marking it spam hides it for good.
        """
        args: dict[str, Any] = {
            "call_id": call_id,
            "note": note,
            "customer_name": customer_name,
            "lead_status": lead_status,
            "value": value,
            "tags": tags,
            "spam": spam,
            "account_id": account_id,
        }
        return CallRailCall.model_validate(self._run("callrail.update_call", args, connection))

    def tag(
        self,
        *,
        call_id: str,
        tags: builtins.list[str],
        account_id: str | None = None,
        connection: str | None = None,
    ) -> CallRailCall:
        """Tag a call.

        Add tags to a call, keeping the ones it has (unknown tags are created in its
        company).
        """
        args: dict[str, Any] = {
            "call_id": call_id,
            "tags": tags,
            "account_id": account_id,
        }
        return CallRailCall.model_validate(self._run("callrail.tag_call", args, connection))


class SyncCallrailTrackers(SyncResource):
    def list(
        self,
        *,
        company_id: str | None = None,
        status: Literal["active", "disabled"] | None = None,
        type: Literal["source", "session"] | None = None,
        search: str | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[dict[str, Any]]:
        """List trackers.

        Tracking numbers and their sources (Google Ads, website pool, billboard, ...).
        """
        args: dict[str, Any] = {
            "company_id": company_id,
            "status": status,
            "type": type,
            "search": search,
            "account_id": account_id,
        }
        return self._pages("callrail.list_trackers", args, connection, limit, 250, as_is)


class SyncCallrailCompanies(SyncResource):
    def list(
        self,
        *,
        status: Literal["active", "disabled"] | None = None,
        search: str | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[dict[str, Any]]:
        """List companies.

        The account's companies (each has its own trackers, tags and time zone).
        """
        args: dict[str, Any] = {
            "status": status,
            "search": search,
            "account_id": account_id,
        }
        return self._pages("callrail.list_companies", args, connection, limit, 250, as_is)


class SyncCallrailTags(SyncResource):
    def list(
        self,
        *,
        company_id: str | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[dict[str, Any]]:
        """List tags.

        The tags calls can carry, per company (and account-wide ones).
        """
        args: dict[str, Any] = {
            "company_id": company_id,
            "account_id": account_id,
        }
        return self._pages("callrail.list_tags", args, connection, limit, 250, as_is)


class SyncCallrailTextConversations(SyncResource):
    def list(
        self,
        *,
        company_id: str | None = None,
        date_range: Literal[
            "recent",
            "today",
            "yesterday",
            "last_7_days",
            "last_30_days",
            "this_month",
            "last_month",
            "this_year",
            "last_year",
            "all_time",
        ]
        | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[dict[str, Any]]:
        """List text conversations.

        Text message threads with customers on tracking numbers, most recent first.
        """
        args: dict[str, Any] = {
            "company_id": company_id,
            "date_range": date_range,
            "account_id": account_id,
        }
        return self._pages("callrail.list_text_conversations", args, connection, limit, 250, as_is)


class SyncCallrail:
    def __init__(self, client: Trunkline) -> None:
        self.calls = SyncCallrailCalls(client)
        self.trackers = SyncCallrailTrackers(client)
        self.companies = SyncCallrailCompanies(client)
        self.tags = SyncCallrailTags(client)
        self.text_conversations = SyncCallrailTextConversations(client)


class SyncQuoMessages(SyncResource):
    def send(
        self,
        *,
        from_: str,
        to: str,
        text: str,
        user_id: str | None = None,
        set_inbox_status: Literal["done"] | None = None,
        idempotency_key: str | None = None,
        connection: str | None = None,
    ) -> QuoMessage:
        """Send a text message.

        Send an SMS from one of the workspace's Quo numbers to one customer. Costs money
        (per segment, from prepaid credits). Returns the queued message with its id;
        delivery happens a few seconds later. Reuse idempotency_key when retrying so the
        text is not sent twice.
        """
        args: dict[str, Any] = {
            "from": from_,
            "to": to,
            "text": text,
            "user_id": user_id,
            "set_inbox_status": set_inbox_status,
        }
        return QuoMessage.model_validate(
            self._run("quo.send_message", args, connection, idempotency_key)
        )

    def list(
        self,
        *,
        phone_number_id: str,
        participant: str,
        user_id: str | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[QuoMessage]:
        """List the messages of a conversation.

        The text messages between one Quo number and one customer, newest first.
        """
        args: dict[str, Any] = {
            "phone_number_id": phone_number_id,
            "participant": participant,
            "user_id": user_id,
            "created_after": created_after,
            "created_before": created_before,
        }
        return self._pages(
            "quo.list_messages", args, connection, limit, 100, QuoMessage.model_validate
        )


class SyncQuoConversations(SyncResource):
    def list(
        self,
        *,
        phone_numbers: builtins.list[str] | None = None,
        user_id: str | None = None,
        exclude_inactive: bool | None = None,
        updated_after: str | None = None,
        created_after: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[dict[str, Any]]:
        """List conversations.

        The workspace's conversations (one per customer and number), most recent
        activity first, with participants and the time of the last activity.
        """
        args: dict[str, Any] = {
            "phone_numbers": phone_numbers,
            "user_id": user_id,
            "exclude_inactive": exclude_inactive,
            "updated_after": updated_after,
            "created_after": created_after,
        }
        return self._pages("quo.list_conversations", args, connection, limit, 100, as_is)


class SyncQuoCalls(SyncResource):
    def list(
        self,
        *,
        phone_number_id: str | None = None,
        participant: str | None = None,
        direction: Literal["incoming", "outgoing"] | None = None,
        status: Literal[
            "queued",
            "initiated",
            "ringing",
            "in-progress",
            "completed",
            "busy",
            "failed",
            "no-answer",
            "canceled",
            "missed",
            "answered",
            "forwarded",
            "abandoned",
        ]
        | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[QuoCall]:
        """List calls.

        Calls on the workspace's numbers, newest first, optionally only with one
        customer, one direction or status (missed, answered, ...) or a time window. Each
        call lists its participants, status, duration and times.
        """
        args: dict[str, Any] = {
            "phone_number_id": phone_number_id,
            "participant": participant,
            "direction": direction,
            "status": status,
            "created_after": created_after,
            "created_before": created_before,
        }
        return self._pages("quo.list_calls", args, connection, limit, 50, QuoCall.model_validate)

    def get(
        self,
        *,
        call_id: str,
        connection: str | None = None,
    ) -> QuoCallDetails:
        """Get a call with its recording, transcript, summary and voicemail.

        Everything about one call in one answer: the call, its recording, transcript
        (who said what), AI summary and voicemail. Parts that do not exist (no voicemail
        on an answered call) are null; parts still being processed say status "in-
        progress".
        """
        args: dict[str, Any] = {
            "call_id": call_id,
        }
        return QuoCallDetails.model_validate(self._run("quo.get_call", args, connection))


class SyncQuoContacts(SyncResource):
    def list(
        self,
        *,
        external_ids: builtins.list[str] | None = None,
        sources: builtins.list[str] | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[QuoContact]:
        """List contacts.

        The workspace's contacts (names, companies, phone numbers, emails), newest
        first.
        """
        args: dict[str, Any] = {
            "external_ids": external_ids,
            "sources": sources,
        }
        return self._pages(
            "quo.list_contacts", args, connection, limit, 50, QuoContact.model_validate
        )

    def search(
        self,
        *,
        query: str,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[QuoContact]:
        """Search contacts.

        Contacts whose name, company, role, phone number or email contains the query (a
        phone number matches by its digits, so "+1 (415) 555-0142" finds +14155550142).
        """
        args: dict[str, Any] = {
            "query": query,
        }
        return self._pages(
            "quo.search_contacts", args, connection, limit, 50, QuoContact.model_validate
        )

    def get(
        self,
        *,
        contact_id: str,
        connection: str | None = None,
    ) -> QuoContact:
        """Get a contact.

        One contact by id, with its phone numbers, emails and custom fields.
        """
        args: dict[str, Any] = {
            "contact_id": contact_id,
        }
        return QuoContact.model_validate(self._run("quo.get_contact", args, connection))

    def create(
        self,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        company: str | None = None,
        role: str | None = None,
        phone_number: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
        connection: str | None = None,
    ) -> QuoContact:
        """Create a contact.

        Add a contact to the workspace so calls and texts with that number show a name.
        """
        args: dict[str, Any] = {
            "first_name": first_name,
            "last_name": last_name,
            "company": company,
            "role": role,
            "phone_number": phone_number,
            "email": email,
            "external_id": external_id,
        }
        return QuoContact.model_validate(self._run("quo.create_contact", args, connection))

    def update(
        self,
        *,
        contact_id: str,
        first_name: str | None = None,
        last_name: str | None = None,
        company: str | None = None,
        role: str | None = None,
        add_phone_number: str | None = None,
        add_email: str | None = None,
        connection: str | None = None,
    ) -> QuoContact:
        """Update a contact.

        Change a contact's name, company or role, or add a phone number or email. Fields
        left out keep their values.
        """
        args: dict[str, Any] = {
            "contact_id": contact_id,
            "first_name": first_name,
            "last_name": last_name,
            "company": company,
            "role": role,
            "add_phone_number": add_phone_number,
            "add_email": add_email,
        }
        return QuoContact.model_validate(self._run("quo.update_contact", args, connection))


class SyncQuoPhoneNumbers(SyncResource):
    def list(
        self,
        *,
        user_id: str | None = None,
        connection: str | None = None,
    ) -> Any:
        """List phone numbers.

        The workspace's Quo numbers with their ids (PN...), names and users.
        """
        args: dict[str, Any] = {
            "user_id": user_id,
        }
        return self._run("quo.list_phone_numbers", args, connection)


class SyncQuoUsers(SyncResource):
    def list(
        self,
        *,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[dict[str, Any]]:
        """List users.

        The workspace's users (id, name, email, role).
        """
        args: dict[str, Any] = {}
        return self._pages("quo.list_users", args, connection, limit, 50, as_is)


class SyncQuo:
    def __init__(self, client: Trunkline) -> None:
        self.messages = SyncQuoMessages(client)
        self.conversations = SyncQuoConversations(client)
        self.calls = SyncQuoCalls(client)
        self.contacts = SyncQuoContacts(client)
        self.phone_numbers = SyncQuoPhoneNumbers(client)
        self.users = SyncQuoUsers(client)


class SyncRingcentralCallLogs(SyncResource):
    def list(
        self,
        *,
        direction: Literal["Inbound", "Outbound"] | None = None,
        type: Literal["Voice", "Fax"] | None = None,
        view: Literal["Simple", "Detailed"] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[dict[str, Any]]:
        """List the call log.

        The signed-in extension's calls, newest first (the last 24 hours unless
        date_from is given): direction, result (Accepted, Missed, Voicemail, ...),
        parties and duration.
        """
        args: dict[str, Any] = {
            "direction": direction,
            "type": type,
            "view": view,
            "date_from": date_from,
            "date_to": date_to,
        }
        return self._pages("ringcentral.list_call_log", args, connection, limit, 1000, as_is)


class SyncRingcentralSms(SyncResource):
    def send(
        self,
        *,
        from_: str,
        to: str,
        text: str,
        idempotency_key: str | None = None,
        connection: str | None = None,
    ) -> Any:
        """Send a text message.

        Send an SMS from the signed-in extension's own number. Costs money. Returns the
        message record (messageStatus "Queued"). Reuse idempotency_key when retrying.
        """
        args: dict[str, Any] = {
            "from": from_,
            "to": to,
            "text": text,
        }
        return self._run("ringcentral.send_sms", args, connection, idempotency_key)


class SyncRingcentral:
    def __init__(self, client: Trunkline) -> None:
        self.call_logs = SyncRingcentralCallLogs(client)
        self.sms = SyncRingcentralSms(client)


class SyncTwilioMessages(SyncResource):
    def send(
        self,
        *,
        from_: str,
        to: str,
        body: str,
        media_url: str | None = None,
        status_callback: str | None = None,
        account_sid: str | None = None,
        idempotency_key: str | None = None,
        connection: str | None = None,
    ) -> TwilioMessage:
        """Send a text message.

        Send an SMS (or MMS with media_url) from one of the account's Twilio numbers.
        Costs money. Returns the message resource (sid SM..., status "queued"). Reuse
        idempotency_key when retrying so the text is not sent twice.
        """
        args: dict[str, Any] = {
            "from": from_,
            "to": to,
            "body": body,
            "media_url": media_url,
            "status_callback": status_callback,
            "account_sid": account_sid,
        }
        return TwilioMessage.model_validate(
            self._run("twilio.send_message", args, connection, idempotency_key)
        )

    def list(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        date_sent: str | None = None,
        account_sid: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[TwilioMessage]:
        """List messages.

        Messages sent and received, newest first, optionally to or from one number or on
        one day.
        """
        args: dict[str, Any] = {
            "to": to,
            "from": from_,
            "date_sent": date_sent,
            "account_sid": account_sid,
        }
        return self._pages(
            "twilio.list_messages", args, connection, limit, 1000, TwilioMessage.model_validate
        )

    def get(
        self,
        *,
        message_sid: str,
        account_sid: str | None = None,
        connection: str | None = None,
    ) -> TwilioMessage:
        """Get a message.

        One message by SID, with its status, price and error code if it failed.
        """
        args: dict[str, Any] = {
            "message_sid": message_sid,
            "account_sid": account_sid,
        }
        return TwilioMessage.model_validate(self._run("twilio.get_message", args, connection))


class SyncTwilioCalls(SyncResource):
    def create(
        self,
        *,
        from_: str,
        to: str,
        url: str | None = None,
        twiml: str | None = None,
        status_callback: str | None = None,
        timeout: int | None = None,
        record: bool | None = None,
        account_sid: str | None = None,
        idempotency_key: str | None = None,
        connection: str | None = None,
    ) -> TwilioCall:
        """Place a call.

        Call a number from one of the account's Twilio numbers; url (TwiML instructions)
        or twiml says what happens when it is answered. Costs money.
        """
        args: dict[str, Any] = {
            "from": from_,
            "to": to,
            "url": url,
            "twiml": twiml,
            "status_callback": status_callback,
            "timeout": timeout,
            "record": record,
            "account_sid": account_sid,
        }
        return TwilioCall.model_validate(
            self._run("twilio.create_call", args, connection, idempotency_key)
        )

    def list(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: Literal[
            "queued",
            "ringing",
            "in-progress",
            "canceled",
            "completed",
            "failed",
            "busy",
            "no-answer",
        ]
        | None = None,
        start_time_after: str | None = None,
        account_sid: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[TwilioCall]:
        """List calls.

        Calls, newest first, optionally to or from one number or with one status.
        """
        args: dict[str, Any] = {
            "to": to,
            "from": from_,
            "status": status,
            "start_time_after": start_time_after,
            "account_sid": account_sid,
        }
        return self._pages(
            "twilio.list_calls", args, connection, limit, 1000, TwilioCall.model_validate
        )

    def get(
        self,
        *,
        call_sid: str,
        account_sid: str | None = None,
        connection: str | None = None,
    ) -> TwilioCall:
        """Get a call.

        One call by SID, with status, duration, price and direction.
        """
        args: dict[str, Any] = {
            "call_sid": call_sid,
            "account_sid": account_sid,
        }
        return TwilioCall.model_validate(self._run("twilio.get_call", args, connection))

    def update(
        self,
        *,
        call_sid: str,
        status: Literal["canceled", "completed"] | None = None,
        url: str | None = None,
        twiml: str | None = None,
        account_sid: str | None = None,
        connection: str | None = None,
    ) -> TwilioCall:
        """Change or end a call in progress.

        Hang up a call (status completed, or canceled while it rings) or redirect it to
        new TwiML (url or twiml).
        """
        args: dict[str, Any] = {
            "call_sid": call_sid,
            "status": status,
            "url": url,
            "twiml": twiml,
            "account_sid": account_sid,
        }
        return TwilioCall.model_validate(self._run("twilio.update_call", args, connection))


class SyncTwilioIncomingNumbers(SyncResource):
    def list(
        self,
        *,
        phone_number: str | None = None,
        friendly_name: str | None = None,
        account_sid: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> SyncPager[dict[str, Any]]:
        """List the account's phone numbers.

        The Twilio numbers the account owns, with their SIDs (PN...), names and webhook
        URLs.
        """
        args: dict[str, Any] = {
            "phone_number": phone_number,
            "friendly_name": friendly_name,
            "account_sid": account_sid,
        }
        return self._pages("twilio.list_incoming_numbers", args, connection, limit, 1000, as_is)


class SyncTwilio:
    def __init__(self, client: Trunkline) -> None:
        self.messages = SyncTwilioMessages(client)
        self.calls = SyncTwilioCalls(client)
        self.incoming_numbers = SyncTwilioIncomingNumbers(client)


class SyncProviders:
    """The typed helpers, one attribute per app."""

    callrail: SyncCallrail
    quo: SyncQuo
    ringcentral: SyncRingcentral
    twilio: SyncTwilio

    def _attach_providers(self, client: Trunkline) -> None:
        self.callrail = SyncCallrail(client)
        self.quo = SyncQuo(client)
        self.ringcentral = SyncRingcentral(client)
        self.twilio = SyncTwilio(client)


class AsyncCallrailCalls(AsyncResource):
    def list(
        self,
        *,
        company_id: str | None = None,
        tracker_id: str | None = None,
        search: str | None = None,
        answer_status: Literal["answered", "missed", "voicemail"] | None = None,
        direction: Literal["inbound", "outbound"] | None = None,
        lead_status: Literal["good_lead", "not_a_lead", "previously_marked_good_lead"]
        | None = None,
        tags: builtins.list[str] | None = None,
        date_range: Literal[
            "recent",
            "today",
            "yesterday",
            "last_7_days",
            "last_30_days",
            "this_month",
            "last_month",
            "this_year",
            "last_year",
            "all_time",
        ]
        | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        fields: str | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[CallRailCall]:
        """List tracked calls.

        Calls tracked by CallRail, newest first, with caller, tracking source, duration,
        answered/missed, lead status, tags and notes. Filter by company, tracker, search
        text (caller name or number), answer status, direction, lead status, tags or
        date range.
        """
        args: dict[str, Any] = {
            "company_id": company_id,
            "tracker_id": tracker_id,
            "search": search,
            "answer_status": answer_status,
            "direction": direction,
            "lead_status": lead_status,
            "tags": tags,
            "date_range": date_range,
            "start_date": start_date,
            "end_date": end_date,
            "fields": fields,
            "account_id": account_id,
        }
        return self._pages(
            "callrail.list_calls", args, connection, limit, 250, CallRailCall.model_validate
        )

    async def get(
        self,
        *,
        call_id: str,
        fields: str | None = None,
        account_id: str | None = None,
        connection: str | None = None,
    ) -> CallRailCall:
        """Get a call.

        One tracked call with its source, recording link, note, tags, value and lead
        status.
        """
        args: dict[str, Any] = {
            "call_id": call_id,
            "fields": fields,
            "account_id": account_id,
        }
        return CallRailCall.model_validate(await self._run("callrail.get_call", args, connection))

    async def update(
        self,
        *,
        call_id: str,
        note: str | None = None,
        customer_name: str | None = None,
        lead_status: Literal["good_lead", "not_a_lead"] | None = None,
        value: str | None = None,
        tags: builtins.list[str] | None = None,
        spam: bool | None = None,
        account_id: str | None = None,
        connection: str | None = None,
    ) -> CallRailCall:
        """Update a call.

        Set a call's note, customer name, lead status or value, or replace its tags.
        Marking it spam hides it for good.
        """
        args: dict[str, Any] = {
            "call_id": call_id,
            "note": note,
            "customer_name": customer_name,
            "lead_status": lead_status,
            "value": value,
            "tags": tags,
            "spam": spam,
            "account_id": account_id,
        }
        return CallRailCall.model_validate(
            await self._run("callrail.update_call", args, connection)
        )

    async def tag(
        self,
        *,
        call_id: str,
        tags: builtins.list[str],
        account_id: str | None = None,
        connection: str | None = None,
    ) -> CallRailCall:
        """Tag a call.

        Add tags to a call, keeping the ones it has (unknown tags are created in its
        company).
        """
        args: dict[str, Any] = {
            "call_id": call_id,
            "tags": tags,
            "account_id": account_id,
        }
        return CallRailCall.model_validate(await self._run("callrail.tag_call", args, connection))


class AsyncCallrailTrackers(AsyncResource):
    def list(
        self,
        *,
        company_id: str | None = None,
        status: Literal["active", "disabled"] | None = None,
        type: Literal["source", "session"] | None = None,
        search: str | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[dict[str, Any]]:
        """List trackers.

        Tracking numbers and their sources (Google Ads, website pool, billboard, ...).
        """
        args: dict[str, Any] = {
            "company_id": company_id,
            "status": status,
            "type": type,
            "search": search,
            "account_id": account_id,
        }
        return self._pages("callrail.list_trackers", args, connection, limit, 250, as_is)


class AsyncCallrailCompanies(AsyncResource):
    def list(
        self,
        *,
        status: Literal["active", "disabled"] | None = None,
        search: str | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[dict[str, Any]]:
        """List companies.

        The account's companies (each has its own trackers, tags and time zone).
        """
        args: dict[str, Any] = {
            "status": status,
            "search": search,
            "account_id": account_id,
        }
        return self._pages("callrail.list_companies", args, connection, limit, 250, as_is)


class AsyncCallrailTags(AsyncResource):
    def list(
        self,
        *,
        company_id: str | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[dict[str, Any]]:
        """List tags.

        The tags calls can carry, per company (and account-wide ones).
        """
        args: dict[str, Any] = {
            "company_id": company_id,
            "account_id": account_id,
        }
        return self._pages("callrail.list_tags", args, connection, limit, 250, as_is)


class AsyncCallrailTextConversations(AsyncResource):
    def list(
        self,
        *,
        company_id: str | None = None,
        date_range: Literal[
            "recent",
            "today",
            "yesterday",
            "last_7_days",
            "last_30_days",
            "this_month",
            "last_month",
            "this_year",
            "last_year",
            "all_time",
        ]
        | None = None,
        account_id: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[dict[str, Any]]:
        """List text conversations.

        Text message threads with customers on tracking numbers, most recent first.
        """
        args: dict[str, Any] = {
            "company_id": company_id,
            "date_range": date_range,
            "account_id": account_id,
        }
        return self._pages("callrail.list_text_conversations", args, connection, limit, 250, as_is)


class AsyncCallrail:
    def __init__(self, client: AsyncTrunkline) -> None:
        self.calls = AsyncCallrailCalls(client)
        self.trackers = AsyncCallrailTrackers(client)
        self.companies = AsyncCallrailCompanies(client)
        self.tags = AsyncCallrailTags(client)
        self.text_conversations = AsyncCallrailTextConversations(client)


class AsyncQuoMessages(AsyncResource):
    async def send(
        self,
        *,
        from_: str,
        to: str,
        text: str,
        user_id: str | None = None,
        set_inbox_status: Literal["done"] | None = None,
        idempotency_key: str | None = None,
        connection: str | None = None,
    ) -> QuoMessage:
        """Send a text message.

        Send an SMS from one of the workspace's Quo numbers to one customer. Costs money
        (per segment, from prepaid credits). Returns the queued message with its id;
        delivery happens a few seconds later. Reuse idempotency_key when retrying so the
        text is not sent twice.
        """
        args: dict[str, Any] = {
            "from": from_,
            "to": to,
            "text": text,
            "user_id": user_id,
            "set_inbox_status": set_inbox_status,
        }
        return QuoMessage.model_validate(
            await self._run("quo.send_message", args, connection, idempotency_key)
        )

    def list(
        self,
        *,
        phone_number_id: str,
        participant: str,
        user_id: str | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[QuoMessage]:
        """List the messages of a conversation.

        The text messages between one Quo number and one customer, newest first.
        """
        args: dict[str, Any] = {
            "phone_number_id": phone_number_id,
            "participant": participant,
            "user_id": user_id,
            "created_after": created_after,
            "created_before": created_before,
        }
        return self._pages(
            "quo.list_messages", args, connection, limit, 100, QuoMessage.model_validate
        )


class AsyncQuoConversations(AsyncResource):
    def list(
        self,
        *,
        phone_numbers: builtins.list[str] | None = None,
        user_id: str | None = None,
        exclude_inactive: bool | None = None,
        updated_after: str | None = None,
        created_after: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[dict[str, Any]]:
        """List conversations.

        The workspace's conversations (one per customer and number), most recent
        activity first, with participants and the time of the last activity.
        """
        args: dict[str, Any] = {
            "phone_numbers": phone_numbers,
            "user_id": user_id,
            "exclude_inactive": exclude_inactive,
            "updated_after": updated_after,
            "created_after": created_after,
        }
        return self._pages("quo.list_conversations", args, connection, limit, 100, as_is)


class AsyncQuoCalls(AsyncResource):
    def list(
        self,
        *,
        phone_number_id: str | None = None,
        participant: str | None = None,
        direction: Literal["incoming", "outgoing"] | None = None,
        status: Literal[
            "queued",
            "initiated",
            "ringing",
            "in-progress",
            "completed",
            "busy",
            "failed",
            "no-answer",
            "canceled",
            "missed",
            "answered",
            "forwarded",
            "abandoned",
        ]
        | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[QuoCall]:
        """List calls.

        Calls on the workspace's numbers, newest first, optionally only with one
        customer, one direction or status (missed, answered, ...) or a time window. Each
        call lists its participants, status, duration and times.
        """
        args: dict[str, Any] = {
            "phone_number_id": phone_number_id,
            "participant": participant,
            "direction": direction,
            "status": status,
            "created_after": created_after,
            "created_before": created_before,
        }
        return self._pages("quo.list_calls", args, connection, limit, 50, QuoCall.model_validate)

    async def get(
        self,
        *,
        call_id: str,
        connection: str | None = None,
    ) -> QuoCallDetails:
        """Get a call with its recording, transcript, summary and voicemail.

        Everything about one call in one answer: the call, its recording, transcript
        (who said what), AI summary and voicemail. Parts that do not exist (no voicemail
        on an answered call) are null; parts still being processed say status "in-
        progress".
        """
        args: dict[str, Any] = {
            "call_id": call_id,
        }
        return QuoCallDetails.model_validate(await self._run("quo.get_call", args, connection))


class AsyncQuoContacts(AsyncResource):
    def list(
        self,
        *,
        external_ids: builtins.list[str] | None = None,
        sources: builtins.list[str] | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[QuoContact]:
        """List contacts.

        The workspace's contacts (names, companies, phone numbers, emails), newest
        first.
        """
        args: dict[str, Any] = {
            "external_ids": external_ids,
            "sources": sources,
        }
        return self._pages(
            "quo.list_contacts", args, connection, limit, 50, QuoContact.model_validate
        )

    def search(
        self,
        *,
        query: str,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[QuoContact]:
        """Search contacts.

        Contacts whose name, company, role, phone number or email contains the query (a
        phone number matches by its digits, so "+1 (415) 555-0142" finds +14155550142).
        """
        args: dict[str, Any] = {
            "query": query,
        }
        return self._pages(
            "quo.search_contacts", args, connection, limit, 50, QuoContact.model_validate
        )

    async def get(
        self,
        *,
        contact_id: str,
        connection: str | None = None,
    ) -> QuoContact:
        """Get a contact.

        One contact by id, with its phone numbers, emails and custom fields.
        """
        args: dict[str, Any] = {
            "contact_id": contact_id,
        }
        return QuoContact.model_validate(await self._run("quo.get_contact", args, connection))

    async def create(
        self,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        company: str | None = None,
        role: str | None = None,
        phone_number: str | None = None,
        email: str | None = None,
        external_id: str | None = None,
        connection: str | None = None,
    ) -> QuoContact:
        """Create a contact.

        Add a contact to the workspace so calls and texts with that number show a name.
        """
        args: dict[str, Any] = {
            "first_name": first_name,
            "last_name": last_name,
            "company": company,
            "role": role,
            "phone_number": phone_number,
            "email": email,
            "external_id": external_id,
        }
        return QuoContact.model_validate(await self._run("quo.create_contact", args, connection))

    async def update(
        self,
        *,
        contact_id: str,
        first_name: str | None = None,
        last_name: str | None = None,
        company: str | None = None,
        role: str | None = None,
        add_phone_number: str | None = None,
        add_email: str | None = None,
        connection: str | None = None,
    ) -> QuoContact:
        """Update a contact.

        Change a contact's name, company or role, or add a phone number or email. Fields
        left out keep their values.
        """
        args: dict[str, Any] = {
            "contact_id": contact_id,
            "first_name": first_name,
            "last_name": last_name,
            "company": company,
            "role": role,
            "add_phone_number": add_phone_number,
            "add_email": add_email,
        }
        return QuoContact.model_validate(await self._run("quo.update_contact", args, connection))


class AsyncQuoPhoneNumbers(AsyncResource):
    async def list(
        self,
        *,
        user_id: str | None = None,
        connection: str | None = None,
    ) -> Any:
        """List phone numbers.

        The workspace's Quo numbers with their ids (PN...), names and users.
        """
        args: dict[str, Any] = {
            "user_id": user_id,
        }
        return await self._run("quo.list_phone_numbers", args, connection)


class AsyncQuoUsers(AsyncResource):
    def list(
        self,
        *,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[dict[str, Any]]:
        """List users.

        The workspace's users (id, name, email, role).
        """
        args: dict[str, Any] = {}
        return self._pages("quo.list_users", args, connection, limit, 50, as_is)


class AsyncQuo:
    def __init__(self, client: AsyncTrunkline) -> None:
        self.messages = AsyncQuoMessages(client)
        self.conversations = AsyncQuoConversations(client)
        self.calls = AsyncQuoCalls(client)
        self.contacts = AsyncQuoContacts(client)
        self.phone_numbers = AsyncQuoPhoneNumbers(client)
        self.users = AsyncQuoUsers(client)


class AsyncRingcentralCallLogs(AsyncResource):
    def list(
        self,
        *,
        direction: Literal["Inbound", "Outbound"] | None = None,
        type: Literal["Voice", "Fax"] | None = None,
        view: Literal["Simple", "Detailed"] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[dict[str, Any]]:
        """List the call log.

        The signed-in extension's calls, newest first (the last 24 hours unless
        date_from is given): direction, result (Accepted, Missed, Voicemail, ...),
        parties and duration.
        """
        args: dict[str, Any] = {
            "direction": direction,
            "type": type,
            "view": view,
            "date_from": date_from,
            "date_to": date_to,
        }
        return self._pages("ringcentral.list_call_log", args, connection, limit, 1000, as_is)


class AsyncRingcentralSms(AsyncResource):
    async def send(
        self,
        *,
        from_: str,
        to: str,
        text: str,
        idempotency_key: str | None = None,
        connection: str | None = None,
    ) -> Any:
        """Send a text message.

        Send an SMS from the signed-in extension's own number. Costs money. Returns the
        message record (messageStatus "Queued"). Reuse idempotency_key when retrying.
        """
        args: dict[str, Any] = {
            "from": from_,
            "to": to,
            "text": text,
        }
        return await self._run("ringcentral.send_sms", args, connection, idempotency_key)


class AsyncRingcentral:
    def __init__(self, client: AsyncTrunkline) -> None:
        self.call_logs = AsyncRingcentralCallLogs(client)
        self.sms = AsyncRingcentralSms(client)


class AsyncTwilioMessages(AsyncResource):
    async def send(
        self,
        *,
        from_: str,
        to: str,
        body: str,
        media_url: str | None = None,
        status_callback: str | None = None,
        account_sid: str | None = None,
        idempotency_key: str | None = None,
        connection: str | None = None,
    ) -> TwilioMessage:
        """Send a text message.

        Send an SMS (or MMS with media_url) from one of the account's Twilio numbers.
        Costs money. Returns the message resource (sid SM..., status "queued"). Reuse
        idempotency_key when retrying so the text is not sent twice.
        """
        args: dict[str, Any] = {
            "from": from_,
            "to": to,
            "body": body,
            "media_url": media_url,
            "status_callback": status_callback,
            "account_sid": account_sid,
        }
        return TwilioMessage.model_validate(
            await self._run("twilio.send_message", args, connection, idempotency_key)
        )

    def list(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        date_sent: str | None = None,
        account_sid: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[TwilioMessage]:
        """List messages.

        Messages sent and received, newest first, optionally to or from one number or on
        one day.
        """
        args: dict[str, Any] = {
            "to": to,
            "from": from_,
            "date_sent": date_sent,
            "account_sid": account_sid,
        }
        return self._pages(
            "twilio.list_messages", args, connection, limit, 1000, TwilioMessage.model_validate
        )

    async def get(
        self,
        *,
        message_sid: str,
        account_sid: str | None = None,
        connection: str | None = None,
    ) -> TwilioMessage:
        """Get a message.

        One message by SID, with its status, price and error code if it failed.
        """
        args: dict[str, Any] = {
            "message_sid": message_sid,
            "account_sid": account_sid,
        }
        return TwilioMessage.model_validate(await self._run("twilio.get_message", args, connection))


class AsyncTwilioCalls(AsyncResource):
    async def create(
        self,
        *,
        from_: str,
        to: str,
        url: str | None = None,
        twiml: str | None = None,
        status_callback: str | None = None,
        timeout: int | None = None,
        record: bool | None = None,
        account_sid: str | None = None,
        idempotency_key: str | None = None,
        connection: str | None = None,
    ) -> TwilioCall:
        """Place a call.

        Call a number from one of the account's Twilio numbers; url (TwiML instructions)
        or twiml says what happens when it is answered. Costs money.
        """
        args: dict[str, Any] = {
            "from": from_,
            "to": to,
            "url": url,
            "twiml": twiml,
            "status_callback": status_callback,
            "timeout": timeout,
            "record": record,
            "account_sid": account_sid,
        }
        return TwilioCall.model_validate(
            await self._run("twilio.create_call", args, connection, idempotency_key)
        )

    def list(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: Literal[
            "queued",
            "ringing",
            "in-progress",
            "canceled",
            "completed",
            "failed",
            "busy",
            "no-answer",
        ]
        | None = None,
        start_time_after: str | None = None,
        account_sid: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[TwilioCall]:
        """List calls.

        Calls, newest first, optionally to or from one number or with one status.
        """
        args: dict[str, Any] = {
            "to": to,
            "from": from_,
            "status": status,
            "start_time_after": start_time_after,
            "account_sid": account_sid,
        }
        return self._pages(
            "twilio.list_calls", args, connection, limit, 1000, TwilioCall.model_validate
        )

    async def get(
        self,
        *,
        call_sid: str,
        account_sid: str | None = None,
        connection: str | None = None,
    ) -> TwilioCall:
        """Get a call.

        One call by SID, with status, duration, price and direction.
        """
        args: dict[str, Any] = {
            "call_sid": call_sid,
            "account_sid": account_sid,
        }
        return TwilioCall.model_validate(await self._run("twilio.get_call", args, connection))

    async def update(
        self,
        *,
        call_sid: str,
        status: Literal["canceled", "completed"] | None = None,
        url: str | None = None,
        twiml: str | None = None,
        account_sid: str | None = None,
        connection: str | None = None,
    ) -> TwilioCall:
        """Change or end a call in progress.

        Hang up a call (status completed, or canceled while it rings) or redirect it to
        new TwiML (url or twiml).
        """
        args: dict[str, Any] = {
            "call_sid": call_sid,
            "status": status,
            "url": url,
            "twiml": twiml,
            "account_sid": account_sid,
        }
        return TwilioCall.model_validate(await self._run("twilio.update_call", args, connection))


class AsyncTwilioIncomingNumbers(AsyncResource):
    def list(
        self,
        *,
        phone_number: str | None = None,
        friendly_name: str | None = None,
        account_sid: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> AsyncPager[dict[str, Any]]:
        """List the account's phone numbers.

        The Twilio numbers the account owns, with their SIDs (PN...), names and webhook
        URLs.
        """
        args: dict[str, Any] = {
            "phone_number": phone_number,
            "friendly_name": friendly_name,
            "account_sid": account_sid,
        }
        return self._pages("twilio.list_incoming_numbers", args, connection, limit, 1000, as_is)


class AsyncTwilio:
    def __init__(self, client: AsyncTrunkline) -> None:
        self.messages = AsyncTwilioMessages(client)
        self.calls = AsyncTwilioCalls(client)
        self.incoming_numbers = AsyncTwilioIncomingNumbers(client)


class AsyncProviders:
    """The typed helpers, one attribute per app."""

    callrail: AsyncCallrail
    quo: AsyncQuo
    ringcentral: AsyncRingcentral
    twilio: AsyncTwilio

    def _attach_providers(self, client: AsyncTrunkline) -> None:
        self.callrail = AsyncCallrail(client)
        self.quo = AsyncQuo(client)
        self.ringcentral = AsyncRingcentral(client)
        self.twilio = AsyncTwilio(client)
