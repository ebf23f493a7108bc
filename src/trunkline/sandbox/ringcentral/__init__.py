"""Offline RingCentral: the OAuth 2.0 endpoints (authorization code + PKCE, rotating refresh
tokens, revocation) and a slice of REST API v1.0 (account, extension, call log, SMS).

See ``docs/providers/ringcentral.md``. ``SANDBOX.oauth_client`` is the seeded app's client id
and secret; ``SANDBOX.credentials`` is a pre-authorized session for the default connection.
"""

from trunkline.sandbox import SandboxSpec
from trunkline.sandbox.ringcentral.app import create_app
from trunkline.sandbox.ringcentral.seed import CLIENT_ID, CLIENT_SECRET, SEEDED_TOKENS

SANDBOX = SandboxSpec(
    app="ringcentral",
    create_app=create_app,
    # expires_at 0: the first gateway call refreshes, so the connection rotates off the seed.
    credentials={**SEEDED_TOKENS, "expires_at": "0"},
    oauth_client={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
)

__all__ = ["SANDBOX", "create_app"]
