"""The typed Python SDK for trunkline (and any Maton-compatible gateway). It needs only httpx
and pydantic.

>>> from trunkline.client import Trunkline
>>> client = Trunkline()          # TRUNKLINE_URL / TRUNKLINE_API_KEY, or MATON_* fallbacks
>>> client.connections.list(app="quo")
>>> client.quo.messages.send(from_="+14155550123", to="+14155550142", text="Hi")
>>> for call in client.callrail.calls.list(answer_status="missed", limit=20): ...
>>> client.actions.run("twilio.list_calls", limit=5).items
>>> client.get("/quo/v1/phone-numbers").json()
"""

from trunkline.client._action_models import Action
from trunkline.client._client import AsyncClient, AsyncTrunkline, Client, Trunkline
from trunkline.client._errors import (
    ActionError,
    APIConnectionError,
    APIError,
    AuthenticationError,
    ConflictError,
    CredentialsExpiredError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    TrunklineClientError,
    UpstreamError,
    ValidationError,
)
from trunkline.client._models import ActionResult, App, Connection, Event, EventPage, User
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

__all__ = [
    "APIConnectionError",
    "APIError",
    "Action",
    "ActionError",
    "ActionResult",
    "App",
    "AsyncClient",
    "AsyncPager",
    "AsyncTrunkline",
    "AuthenticationError",
    "CallRailCall",
    "Client",
    "ConflictError",
    "Connection",
    "CredentialsExpiredError",
    "Event",
    "EventPage",
    "NotFoundError",
    "PermissionDeniedError",
    "QuoCall",
    "QuoCallDetails",
    "QuoContact",
    "QuoMessage",
    "RateLimitError",
    "SyncPager",
    "Trunkline",
    "TrunklineClientError",
    "TwilioCall",
    "TwilioMessage",
    "UpstreamError",
    "User",
    "ValidationError",
]
