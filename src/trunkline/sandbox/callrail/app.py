"""The CallRail sandbox as one ASGI app: ``/v3/...`` exactly as api.callrail.com serves it, the
recording links CallRail's app hands out, and the ``/_sandbox`` control surface.

Unknown paths (including any path not ending in ``.json``) are CallRail 404s; a known path with
an unsupported method (PATCH, for one) is a 405, both with ``{"error": ...}`` bodies.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from trunkline.sandbox.callrail import (
    accounts,
    analytics,
    calls,
    companies,
    control,
    forms,
    integrations,
    leads,
    media,
    notifications,
    tags,
    texts,
    trackers,
    users,
)
from trunkline.sandbox.callrail.limits import Limits
from trunkline.sandbox.callrail.routing import Handler, api
from trunkline.sandbox.callrail.seed import seed_factory
from trunkline.sandbox.callrail.world import World
from trunkline.sandbox.kit import SandboxConfig, SandboxRuntime

A = "/v3/a/{account_id}"
# Literal paths come before templated ones (calls/summary.json before calls/{call_id}.json).
API_ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/v3/a.json", accounts.list_accounts),
    ("GET", A + ".json", accounts.get_account),
    ("GET", A + "/companies.json", companies.list_companies),
    ("POST", A + "/companies.json", companies.create_company),
    ("GET", A + "/companies/{company_id}.json", companies.get_company),
    ("PUT", A + "/companies/{company_id}.json", companies.update_company),
    ("DELETE", A + "/companies/{company_id}.json", companies.delete_company),
    ("GET", A + "/trackers.json", trackers.list_trackers),
    ("POST", A + "/trackers.json", trackers.create_tracker),
    ("GET", A + "/trackers/{tracker_id}.json", trackers.get_tracker),
    ("PUT", A + "/trackers/{tracker_id}.json", trackers.update_tracker),
    ("DELETE", A + "/trackers/{tracker_id}.json", trackers.delete_tracker),
    ("GET", A + "/calls.json", calls.list_calls),
    ("POST", A + "/calls.json", calls.create_call),
    ("GET", A + "/calls/summary.json", analytics.call_summary),
    ("GET", A + "/calls/timeseries.json", analytics.call_timeseries),
    ("GET", A + "/calls/{call_id}.json", calls.get_call),
    ("PUT", A + "/calls/{call_id}.json", calls.update_call),
    ("GET", A + "/calls/{call_id}/recording.json", calls.get_recording),
    ("GET", A + "/calls/{call_id}/transcription.json", calls.get_transcription),
    ("GET", A + "/calls/{call_id}/page_views.json", calls.list_page_views),
    ("GET", A + "/form_submissions.json", forms.list_forms),
    ("POST", A + "/form_submissions.json", forms.create_form),
    ("GET", A + "/form_submissions/{submission_id}.json", forms.get_form),
    ("PUT", A + "/form_submissions/{submission_id}.json", forms.update_form),
    ("GET", A + "/forms/summary.json", forms.forms_summary),
    ("GET", A + "/text-messages.json", texts.list_conversations),
    ("POST", A + "/text-messages.json", texts.send_text),
    ("GET", A + "/text-messages/{conversation_id}.json", texts.get_conversation),
    ("GET", A + "/sms-threads.json", texts.list_threads),
    ("GET", A + "/sms-threads/{thread_id}.json", texts.get_thread),
    ("PUT", A + "/sms-threads/{thread_id}.json", texts.update_thread),
    ("GET", A + "/users.json", users.list_users),
    ("POST", A + "/users.json", users.create_user),
    ("GET", A + "/users/{user_id}.json", users.get_user),
    ("PUT", A + "/users/{user_id}.json", users.update_user),
    ("DELETE", A + "/users/{user_id}.json", users.delete_user),
    ("GET", A + "/tags.json", tags.list_tags),
    ("POST", A + "/tags.json", tags.create_tag_endpoint),
    ("GET", A + "/tags/{tag_id}.json", tags.get_tag),
    ("PUT", A + "/tags/{tag_id}.json", tags.update_tag),
    ("DELETE", A + "/tags/{tag_id}.json", tags.delete_tag),
    ("GET", A + "/integrations.json", integrations.list_integrations),
    ("POST", A + "/integrations.json", integrations.create_integration),
    ("GET", A + "/integrations/{integration_id}.json", integrations.get_integration),
    ("PUT", A + "/integrations/{integration_id}.json", integrations.update_integration),
    ("DELETE", A + "/integrations/{integration_id}.json", integrations.delete_integration),
    ("GET", A + "/notifications.json", notifications.list_notifications),
    ("POST", A + "/notifications.json", notifications.create_notification),
    ("PUT", A + "/notifications/{notification_id}.json", notifications.update_notification),
    ("DELETE", A + "/notifications/{notification_id}.json", notifications.delete_notification),
    ("GET", A + "/leads.json", leads.list_leads),
    ("GET", A + "/leads/{lead_id}/timeline.json", leads.lead_timeline),
)

ERROR_MESSAGES = {404: "Not found", 405: "Method not allowed"}


async def _http_error(_request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return JSONResponse({"error": ERROR_MESSAGES.get(status, "Internal server error")}, status)


def build_routes(world: World) -> list[Route]:
    routes = [
        Route(path, api(world, handler), methods=[method]) for method, path, handler in API_ROUTES
    ]
    routes += [
        Route(path, handler, methods=[method])
        for method, path, handler in control.routes_for(world)
    ]
    routes += [
        Route(path, handler, methods=["GET"]) for path, handler in media.routes_for(world).items()
    ]
    return routes


def create_app(config: SandboxConfig | None = None) -> ASGIApp:
    config = config or SandboxConfig()
    runtime = SandboxRuntime("callrail", config, seed_factory(config.extra.get("reference_time")))
    runtime.webhooks.max_attempts = 1  # CallRail never retries a webhook
    world = World(runtime, Limits(config.rate_limits, config.extra.get("rate_limits")))
    return Starlette(
        routes=build_routes(world),
        lifespan=runtime.lifespan,
        exception_handlers={HTTPException: _http_error, 500: _http_error},
    )
