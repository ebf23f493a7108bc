"""How trunkline reaches a provider: the ``Upstream`` protocol and its implementations.

``AiohttpUpstream`` talks to real hosts over a pooled client; ``AsgiUpstream`` calls an ASGI app
(a mounted sandbox) in-process, with no socket; ``RoutedUpstream`` sends each URL to the first
one whose prefix matches. Everything that calls a provider (the gateway, the credential check,
OAuth2) goes through one ``Upstream``, so tests and ``trunkline.client.testing`` can swap it.
"""

from trunkline.transport.base import Body, Headers, Upstream, UpstreamResponse
from trunkline.transport.routed import AsgiUpstream, RoutedUpstream

__all__ = [
    "AsgiUpstream",
    "Body",
    "Headers",
    "RoutedUpstream",
    "Upstream",
    "UpstreamResponse",
]
