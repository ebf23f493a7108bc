"""The dated API's operations (every path of the 2026-03-30 reference), at the app's root."""

from __future__ import annotations

from starlette.routing import BaseRoute

from trunkline.sandbox.quo.dated import (
    a2p,
    activity,
    contacts,
    directory,
    properties,
    tasks,
    webhooks,
)
from trunkline.sandbox.quo.dated.endpoint import Handler, route


def _webhook_routes() -> list[BaseRoute]:
    # Webhook reference pages show no ``trace`` in their error bodies.
    def hook(path: str, method: str, handler: Handler) -> BaseRoute:
        return route(path, method, handler, trace=False)

    base = "/webhooks/{webhookId}"
    return [
        hook("/webhooks", "GET", webhooks.list_webhooks),
        hook("/webhooks", "POST", webhooks.create_webhook),
        hook(base, "GET", webhooks.get_webhook),
        hook(base, "PATCH", webhooks.update_webhook),
        hook(base, "DELETE", webhooks.delete_webhook),
        hook(f"{base}/rotate", "POST", webhooks.rotate_key),
        hook(f"{base}/events", "GET", webhooks.list_deliveries),
        hook(f"{base}/events/test", "POST", webhooks.send_test),
        hook(f"{base}/events/{{deliveryId}}", "GET", webhooks.get_delivery),
        hook(f"{base}/events/{{deliveryId}}/retry", "POST", webhooks.retry_delivery),
    ]


def dated_routes() -> list[BaseRoute]:
    contact = "/contacts/{contactId}"
    task = "/tasks/{taskId}"
    return [
        route("/a2p-registration", "GET", a2p.get_registration),
        route("/a2p-registration", "POST", a2p.create_registration),
        route("/a2p-registration/submit", "POST", a2p.submit_registration),
        route("/calls", "GET", activity.list_calls),
        route("/calls/{callId}", "GET", activity.get_call),
        route("/calls/{callId}/recordings", "GET", activity.call_recordings),
        route("/calls/{callId}/transcripts", "GET", activity.call_transcripts),
        route("/contacts", "GET", contacts.list_contacts),
        route("/contacts", "POST", contacts.create_contact),
        route(contact, "GET", contacts.get_contact),
        route(contact, "PATCH", contacts.update_contact),
        route(f"{contact}/shares", "GET", contacts.list_shares),
        route(f"{contact}/notes", "GET", contacts.list_notes),
        route(f"{contact}/notes", "POST", contacts.create_note),
        route(f"{contact}/notes/{{noteId}}", "GET", contacts.get_note),
        route(f"{contact}/notes/{{noteId}}", "PATCH", contacts.update_note),
        route(f"{contact}/notes/{{noteId}}", "DELETE", contacts.delete_note),
        route(f"{contact}/properties", "GET", properties.list_properties),
        route(f"{contact}/properties", "POST", properties.create_property),
        route(f"{contact}/properties/{{propertyId}}", "GET", properties.get_property),
        route(f"{contact}/properties/{{propertyId}}", "PATCH", properties.update_property),
        route(f"{contact}/properties/{{propertyId}}", "DELETE", properties.delete_property),
        route("/conversations", "GET", activity.list_conversations),
        route("/conversations/{conversationId}/mark-as-read", "POST", activity.mark_read),
        route("/conversations/{conversationId}/mark-as-done", "POST", activity.mark_done),
        route("/conversations/{conversationId}/mark-as-open", "POST", activity.mark_open),
        route("/messages", "GET", activity.list_messages),
        route("/messages/{messageId}", "GET", activity.get_message),
        route("/messages/{messageId}/retry", "POST", activity.retry_message),
        route("/organization", "GET", directory.get_organization),
        route("/phone-numbers", "GET", directory.list_phone_numbers),
        route("/phone-numbers/available", "GET", directory.available_phone_numbers),
        route("/phone-numbers/{phoneNumberId}", "GET", directory.get_phone_number),
        route("/phone-numbers/{phoneNumberId}", "PATCH", directory.update_phone_number),
        route("/tasks", "POST", tasks.create_task),
        route(task, "GET", tasks.get_task),
        route(task, "DELETE", tasks.delete_task),
        route(f"{task}/due-date", "DELETE", tasks.delete_due_date),
        route("/users", "GET", directory.list_users),
        route("/users/{userId}", "GET", directory.get_user),
        route("/users/{userId}/phone-numbers", "GET", directory.user_phone_numbers),
        *_webhook_routes(),
    ]
