"""The typed Python SDK for trunkline (and any Maton-compatible gateway).

>>> from trunkline.client import Client
>>> client = Client()            # TRUNKLINE_URL / TRUNKLINE_API_KEY, or MATON_* fallbacks
>>> client.connections.list(app="quo")
>>> client.request("GET", "/quo/v1/phone-numbers").json()
"""

from trunkline.client._client import AsyncClient, Client
from trunkline.client._errors import (
    APIError,
    AuthenticationError,
    ConflictError,
    CredentialsExpiredError,
    NotFoundError,
    RateLimitError,
    TrunklineClientError,
    UpstreamError,
    ValidationError,
)
from trunkline.client._models import App, Connection, Event, EventPage, User

__all__ = [
    "APIError",
    "App",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "Connection",
    "CredentialsExpiredError",
    "Event",
    "EventPage",
    "NotFoundError",
    "RateLimitError",
    "TrunklineClientError",
    "UpstreamError",
    "User",
    "ValidationError",
]
