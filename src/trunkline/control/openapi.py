"""The control API's OpenAPI 3.1 document, served at ``/openapi.json``.

Written by hand (the routes are plain Starlette), with the request bodies taken from the same
pydantic models the handlers validate with, so those cannot drift. The suite fuzzes the running
server against this document with schemathesis (tests/control/test_openapi.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from trunkline.control.events import CreateSubscription
from trunkline.control.http import JSON
from trunkline.control.routes import CreateConnection, Reconnect
from trunkline.enums import Method, Mode, Status

Schema = dict[str, Any]
JSON_TYPE = "application/json"


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
TIME: Schema = {"type": "string", "format": "date-time"}
EMPTY: Schema = {"type": "object", "maxProperties": 0}

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": STRING,
                    "message": STRING,
                    "status": {"type": "integer"},
                    "request_id": STRING,
                },
                {"details": {"type": "object"}},
            )
        }
    ),
    "Connection": _object(
        {
            "connection_id": STRING,
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "creation_time": TIME,
            "last_updated_time": TIME,
            "url": NULLABLE_STRING,
            "app": STRING,
            "method": {"type": "string", "enum": [m.value for m in Method]},
            "mode": {"type": ["string", "null"], "enum": [*(m.value for m in Mode), None]},
            "metadata": {"type": "object"},
        }
    ),
    "App": _object(
        {
            "app": STRING,
            "name": STRING,
            "method": STRING,
            "docs_url": STRING,
            "credentials": {
                "type": "array",
                "items": _object(
                    {
                        "name": STRING,
                        "title": STRING,
                        "help": STRING,
                        "secret": {"type": "boolean"},
                        "pattern": NULLABLE_STRING,
                    }
                ),
            },
            "limits": {
                "type": "array",
                "items": _object(
                    {
                        "requests": {"type": "integer"},
                        "per_seconds": {"type": "number"},
                        "scope": {"type": "string", "enum": ["credential", "connection"]},
                    }
                ),
            },
        }
    ),
    "User": _object(
        {
            "id": STRING,
            "account_id": STRING,
            "account_name": STRING,
            "name": STRING,
            "email": NULLABLE_STRING,
            "key_id": STRING,
            "mode": {"type": "string", "enum": [m.value for m in Mode]},
            "scope": _ref("KeyScope"),
            "sandboxes": {"type": "array", "items": STRING},
        }
    ),
    # What the key may do (docs/keys.md); null: no limit.
    "KeyScope": _object(
        {
            "apps": {"type": ["array", "null"], "items": STRING},
            "connections": {"type": ["array", "null"], "items": STRING},
            "read_only": {"type": "boolean"},
            "to": {"type": ["array", "null"], "items": STRING},
            "sends_per_hour": {"type": ["integer", "null"], "minimum": 1},
            "sends_per_day": {"type": ["integer", "null"], "minimum": 1},
        }
    ),
    "Event": _object(
        {
            "id": STRING,
            "app": STRING,
            "connection_id": STRING,
            "mode": STRING,
            "type": STRING,
            "occurred_at": TIME,
            "received_at": TIME,
            "data": {"type": "object"},
            "raw": {},
        }
    ),
    "Subscription": _object(
        {
            "id": STRING,
            "connection_id": STRING,
            "app": STRING,
            "events": {"type": "array", "items": STRING},
            "remote": {"type": "object"},
            "created_at": TIME,
        },
        {"ingress_url": STRING},
    ),
}

# What a failed call may answer, by status (all in the Error shape).
ERRORS = {
    "400": "Invalid request (bad filter, body or JSON)",
    "401": "Missing or unknown API key",
    "403": "Not allowed for this key",
    "404": "Not found",
    "409": "Conflict with the resource's state",
    "413": "Request body too large",
    "424": "The connection's credentials expired",
    "429": "Rate limited",
    "502": "The provider could not be reached or refused",
    "504": "The provider did not answer in time",
}


def _error(description: str) -> Schema:
    return {"description": description, "content": {JSON_TYPE: {"schema": _ref("Error")}}}


def _ok(schema: Schema, status: str = "200", description: str = "OK") -> dict[str, Schema]:
    return {status: {"description": description, "content": {JSON_TYPE: {"schema": schema}}}}


def _body(model: type[BaseModel]) -> Schema:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("title", None)
    return {"required": False, "content": {JSON_TYPE: {"schema": schema}}}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": STRING}


def _operation(
    summary: str,
    responses: dict[str, Schema],
    *,
    errors: tuple[str, ...] = ("400", "401", "404"),
    parameters: list[Schema] | None = None,
    body: type[BaseModel] | None = None,
    public: bool = False,
) -> Schema:
    operation: Schema = {"summary": summary, "responses": dict(responses)}
    for status in errors:
        operation["responses"][status] = _error(ERRORS[status])
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = _body(body)
    if public:
        operation["security"] = []
    return operation


def _connection_paths() -> dict[str, Schema]:
    one = _ok(_object({"connection": _ref("Connection")}))
    conn = [_path("connection_id")]
    changes = ("400", "401", "404", "409", "413", "424", "429", "502", "504")
    enum = {"type": "string", "enum": ["", *(s.value for s in Status)]}
    methods = {"type": "string", "enum": ["", *(m.value for m in Method)]}
    return {
        "/connections": {
            "get": _operation(
                "List this key's connections (its mode only)",
                _ok(_object({"connections": {"type": "array", "items": _ref("Connection")}})),
                errors=("400", "401"),
                parameters=[
                    _query("app", {"type": "string", "maxLength": 200}, "Only this app"),
                    _query("status", enum, "Only this status"),
                    _query("method", methods, "Only this auth method"),
                    _query(
                        "limit", {"type": "integer", "minimum": 0, "maximum": 999999}, "At most"
                    ),
                ],
            ),
            "post": _operation(
                "Create a connection: with credentials verified at once, else PENDING with a "
                "connect url",
                _ok(_object({"connection": _ref("Connection")}), "201", "Created"),
                errors=changes,
                body=CreateConnection,
            ),
        },
        "/connections/{connection_id}": {
            "get": _operation("One connection", one, parameters=conn),
            "delete": _operation(
                "Delete a connection (and its provider subscriptions)",
                _ok(EMPTY),
                errors=changes,
                parameters=conn,
            ),
        },
        "/connections/{connection_id}/reconnect": {
            "post": _operation(
                "A fresh connect url for the same connection, or swap in new credentials",
                one,
                errors=changes,
                parameters=conn,
                body=Reconnect,
            )
        },
        "/connections/{connection_id}/subscriptions": {
            "get": _operation(
                "The connection's provider webhook subscriptions and its ingress URL",
                _ok(
                    _object(
                        {
                            "subscriptions": {"type": "array", "items": _ref("Subscription")},
                            "ingress_url": STRING,
                        }
                    )
                ),
                errors=("400", "401", "404", "409"),
                parameters=conn,
            ),
            "post": _operation(
                "Subscribe the connection to its provider's webhooks",
                _ok(_object({"subscription": _ref("Subscription")}), "201", "Created"),
                errors=changes,
                parameters=conn,
                body=CreateSubscription,
            ),
        },
        "/connections/{connection_id}/subscriptions/{subscription_id}": {
            "delete": _operation(
                "Remove a subscription at the provider",
                _ok(EMPTY),
                errors=changes,
                parameters=[*conn, _path("subscription_id")],
            )
        },
        "/connections/{connection_id}/ingress": {
            "get": _operation(
                "The connection's webhook ingress URL",
                _ok(_object({"ingress_url": STRING})),
                errors=("400", "401", "404", "409"),
                parameters=conn,
            )
        },
        "/connections/{connection_id}/ingress/rotate": {
            "post": _operation(
                "A new ingress URL; the old one stops working",
                _ok(_object({"ingress_url": STRING})),
                errors=("400", "401", "404", "409"),
                parameters=conn,
            )
        },
    }


def _event_paths() -> dict[str, Schema]:
    filters = [
        _query("app", STRING, "Only these apps (comma-separated)"),
        _query("type", STRING, "Only these event types (comma-separated, `prefix.*`)"),
        _query("connection_id", STRING, "Only this connection"),
    ]
    return {
        "/events": {
            "get": _operation(
                "A page of the event inbox, oldest first after the cursor; `wait` long-polls",
                _ok(
                    _object(
                        {
                            "events": {"type": "array", "items": _ref("Event")},
                            "next_cursor": STRING,
                        }
                    )
                ),
                errors=("400", "401"),
                parameters=[
                    *filters,
                    _query("after", STRING, "The cursor from the previous page"),
                    _query("limit", {"type": "number", "minimum": 0, "maximum": 500}, "At most"),
                    _query(
                        "wait",
                        {"type": "number", "minimum": 0, "maximum": 60},
                        "Seconds to wait for a first event",
                    ),
                ],
            )
        },
        "/events/stream": {
            "get": _operation(
                "Server-Sent Events, resumable with Last-Event-ID",
                {
                    "200": {
                        "description": "An endless text/event-stream",
                        "content": {"text/event-stream": {"schema": STRING}},
                    }
                },
                errors=("400", "401"),
                parameters=[
                    *filters,
                    _query("after", STRING, "Start after this cursor"),
                    {"name": "Last-Event-ID", "in": "header", "required": False, "schema": STRING},
                ],
            )
        },
        "/events/{event_id}": {
            "get": _operation(
                "One event",
                _ok(_object({"event": _ref("Event")})),
                parameters=[_path("event_id")],
            )
        },
    }


def _destination_paths() -> dict[str, Schema]:
    """Forwarding: ``/event-destinations`` and replay."""
    from trunkline.control.destinations import CreateDestination, Replay, UpdateDestination

    nullable = {"type": ["string", "null"]}
    destination = _object(
        {
            "id": STRING,
            "url": STRING,
            "types": {"type": "array", "items": STRING},
            "connection_id": nullable,
            "mode": STRING,
            "status": {"enum": ["enabled", "disabled"]},
            "disabled_reason": nullable,
            "created_at": STRING,
            "updated_at": STRING,
        },
        {"secret": STRING},
    )
    delivery = _object(
        {
            "id": STRING,
            "event_id": STRING,
            "destination_id": STRING,
            "status": STRING,
            "attempts": {"type": "integer"},
        }
    )
    one = [_path("destination_id")]
    return {
        "/event-destinations": {
            "get": _operation(
                "Event destinations of this account and mode",
                _ok(_object({"destinations": {"type": "array", "items": destination}})),
                errors=("401",),
            ),
            "post": _operation(
                "Forward matching events to a URL, signed with Standard Webhooks (the secret is "
                "shown once)",
                _ok(_object({"destination": destination}), "201", "Created"),
                errors=("400", "401", "404", "409"),
                body=CreateDestination,
            ),
        },
        "/event-destinations/{destination_id}": {
            "get": _operation(
                "One destination", _ok(_object({"destination": destination})), parameters=one
            ),
            "patch": _operation(
                "Change the URL, types or status",
                _ok(_object({"destination": destination})),
                parameters=one,
                body=UpdateDestination,
            ),
            "delete": _operation("Delete it", _ok({"type": "object"}), parameters=one),
        },
        "/event-destinations/{destination_id}/deliveries": {
            "get": _operation(
                "The delivery log, newest first",
                _ok(_object({"deliveries": {"type": "array", "items": delivery}})),
                parameters=[
                    *one,
                    _query("limit", {"type": "integer", "minimum": 0, "maximum": 500}, "At most"),
                    _query("after", STRING, "The cursor from the previous page"),
                ],
            )
        },
        "/events/{event_id}/replay": {
            "post": _operation(
                "Deliver an event to its destinations again",
                _ok(_object({"deliveries": {"type": "array", "items": delivery}}), "202"),
                errors=("400", "401", "404", "409"),
                parameters=[_path("event_id")],
                body=Replay,
            )
        },
    }


def document() -> Schema:
    apps = {"type": "array", "items": STRING}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "trunkline control API",
            "version": "1",
            "description": "Connections, apps and the event inbox. Errors share one shape: "
            '`{"error": {"code", "message", "status", "request_id"}}`. The gateway itself '
            "(`/{app}/{native path}`) forwards to each provider's own API and is not described "
            "here.",
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A trunkline API key",
                }
            },
            "schemas": SCHEMAS,
        },
        "security": [{"bearer": []}],
        "paths": {
            **_connection_paths(),
            "/apps": {
                "get": _operation(
                    "The catalogue: every app and the credential fields it takes",
                    _ok(_object({"apps": {"type": "array", "items": _ref("App")}})),
                    errors=("401",),
                )
            },
            "/apps/{app}": {
                "get": _operation(
                    "One app", _ok(_object({"app": _ref("App")})), parameters=[_path("app")]
                )
            },
            "/user": {
                "get": _operation("Who this key belongs to", _ok(_ref("User")), errors=("401",))
            },
            "/healthz": {
                "get": _operation(
                    "Liveness and database check",
                    _ok(_object({"status": {"const": "ok"}, "apps": apps})),
                    errors=(),
                    public=True,
                )
            },
            **_event_paths(),
            **_destination_paths(),
            "/openapi.json": {
                "get": _operation("This document", _ok({"type": "object"}), errors=(), public=True)
            },
        },
    }


def routes() -> list[BaseRoute]:
    built = document()

    async def openapi(_request: Request) -> JSON:
        return JSON(built)

    return [Route("/openapi.json", openapi, methods=["GET"])]
