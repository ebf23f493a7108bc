"""The shape of a provider file (``providers/<slug>.yaml``), strict: an unknown key is an error."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CredentialField(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    title: str
    help: str = ""
    secret: bool = True
    pattern: str | None = None
    example: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    def check(self, value: str) -> str | None:
        """Return why ``value`` is not acceptable, or None."""
        if not value:
            return f"{self.title} is required"
        if self.pattern and not re.fullmatch(self.pattern, value):
            return f"{self.title} does not look right"
        return None


class ApiKeyAuth(Strict):
    """A header from a template over the credential fields: ``Token token="{api_key}"``."""

    mode: Literal["API_KEY"]
    header: str = "Authorization"
    template: str


class BasicAuth(Strict):
    mode: Literal["BASIC"]
    username: str
    password: str


class OAuth2Auth(Strict):
    """Authorization code with PKCE; tokens injected as ``Authorization: Bearer``.

    The endpoint URLs may be paths (``/restapi/oauth/token``): they are then taken relative to
    wherever the app's upstream points (the real provider, a sandbox or an override), so a
    sandbox serves the OAuth dance as well as the API. The client id and secret usually come
    from settings (``TRUNKLINE_OAUTH_<APP>_CLIENT_ID``/``_SECRET``) or a mounted sandbox.
    """

    mode: Literal["OAUTH2"]
    authorize_url: str
    token_url: str
    revoke_url: str | None = None
    scopes: list[str] = []
    client_id: str | None = None
    client_secret: str | None = None
    # How the client proves itself at the token and revocation endpoints (RFC 6749 §2.3.1).
    client_auth: Literal["client_secret_basic", "client_secret_post", "none"] = (
        "client_secret_basic"
    )
    refresh_margin_seconds: Annotated[int, Field(ge=0)] = 60


Auth = Annotated[ApiKeyAuth | BasicAuth | OAuth2Auth, Field(discriminator="mode")]


class Verification(Strict):
    """The request that proves a credential works, and where the account identity is in its answer.

    ``path`` may use credential fields (``/2010-04-01/Accounts/{account_sid}.json``). ``identity``
    maps a metadata key to a path into the JSON answer (``data[*].number``, ``friendly_name``).
    """

    method: Literal["GET", "POST"] = "GET"
    path: str
    identity: dict[str, str] = {}


class RateLimit(Strict):
    requests: Annotated[int, Field(gt=0)]
    per_seconds: Annotated[float, Field(gt=0)]
    scope: Literal["credential", "connection"] = "credential"


SchemeName = Literal["quo-hmac", "standard-webhooks", "twilio", "callrail", "ringcentral"]
TIMESTAMPED: frozenset[str] = frozenset({"quo-hmac", "standard-webhooks"})
HeaderName = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]
# Where a delivery's identity is: a header, body fields joined ("body:CallSid+CallStatus", dotted
# paths into JSON), or the SHA-256 of the raw body for providers that send no identity at all.
IdentitySource = Annotated[
    str,
    Field(pattern=r"^(header:[A-Za-z0-9-]{1,64}|body:[A-Za-z0-9_.]+(\+[A-Za-z0-9_.]+)*|digest)$"),
]


class WebhookScheme(Strict):
    """How one kind of delivery is signed: which headers, which secret, how fresh it must be.

    ``secret`` is ``subscription`` (the secret the provider handed back when the webhook was
    registered) or ``credential.<field>`` (a field of the connection's credential, e.g. Twilio's
    ``auth_token``). ``delivery_id`` lists identity sources tried in order; the first present wins.
    """

    scheme: SchemeName
    signature_header: HeaderName
    id_header: HeaderName | None = None
    timestamp_header: HeaderName | None = None
    tolerance_seconds: Annotated[int, Field(gt=0, le=86400)] | None = None
    secret: Annotated[str, Field(pattern=r"^(subscription|credential\.[a-z][a-z0-9_]*)$")]
    delivery_id: list[IdentitySource] = []
    handshake_header: HeaderName | None = None

    @model_validator(mode="after")
    def _fits_scheme(self) -> WebhookScheme:
        timestamped = self.scheme in TIMESTAMPED
        if timestamped and self.tolerance_seconds is None:
            raise ValueError(f"{self.scheme} signs a timestamp: declare tolerance_seconds")
        if not timestamped and self.tolerance_seconds is not None:
            raise ValueError(f"{self.scheme} signs no timestamp: tolerance_seconds does not apply")
        if self.scheme == "standard-webhooks" and not (self.id_header and self.timestamp_header):
            raise ValueError("standard-webhooks needs id_header and timestamp_header")
        if self.scheme != "standard-webhooks" and (self.id_header or self.timestamp_header):
            raise ValueError("only standard-webhooks takes id_header and timestamp_header")
        if self.handshake_header and self.scheme != "ringcentral":
            raise ValueError("only ringcentral has a handshake_header")
        return self

    @property
    def credential_field(self) -> str | None:
        """The credential field holding the secret, or None for a per-subscription secret."""
        return self.secret.removeprefix("credential.") if self.secret != "subscription" else None


class Webhooks(Strict):
    """Inbound webhooks: one scheme, or several told apart by which signature header is present
    (Quo: legacy ``openphone-signature`` and dated-API ``webhook-signature``)."""

    schemes: Annotated[list[WebhookScheme], Field(min_length=1)]
    max_body_bytes: Annotated[int, Field(gt=0, le=16 * 1024 * 1024)] = 1024 * 1024

    @model_validator(mode="after")
    def _headers_tell_schemes_apart(self) -> Webhooks:
        headers = [s.signature_header.lower() for s in self.schemes]
        if len(set(headers)) != len(headers):
            raise ValueError("each scheme needs its own signature_header to be told apart")
        return self


# -- gateway-clients: native credential slots, followable links, routes by path -------------


class NativeCredential(Strict):
    """One place the provider's own client sends its credential. The gateway accepts a
    trunkline key there instead (``Authorization: Bearer`` is always accepted).

    ``raw``: ``Authorization: tk_…``; ``auth-param``: ``Token token="tk_…"`` (``scheme`` and
    ``param``, quoted or not); ``basic``: HTTP Basic, the key as the password. With ``basic``,
    a username matching ``select_pattern`` picks the connection whose ``metadata[select_by]``
    it is, when the request names none with ``Maton-Connection``.
    """

    form: Literal["bearer", "raw", "auth-param", "basic"]
    header: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+$")] = "Authorization"
    scheme: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    param: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    select_by: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    select_pattern: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> NativeCredential:
        if self.form == "auth-param" and not (self.scheme and self.param):
            raise ValueError("an auth-param slot needs scheme and param")
        if (self.select_by or self.select_pattern) and self.form != "basic":
            raise ValueError("only a basic slot can select a connection by its username")
        if self.select_pattern is not None:
            re.compile(self.select_pattern)
        return self


class Links(Strict):
    """Absolute links the provider returns that point at its own API: the gateway rewrites
    those that start with the connection's upstream base into its own ``/{app}/…`` URL, so
    following them stays behind the gateway. ``fields`` are JSON member names, at any depth,
    whose string values are links; ``headers`` are response headers holding links."""

    fields: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.$-]+$")]] = []
    headers: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+$")]] = ["Location"]


class Route(Strict):
    """Paths starting with ``prefix`` (a whole segment: ``/v1`` is not ``/v10``) go to
    ``upstream`` instead of the provider's ``upstream``."""

    prefix: Annotated[str, Field(pattern=r"^/[A-Za-z0-9._~/-]*$")]
    upstream: HttpUrl


# -- end gateway-clients ----------------------------------------------------------------------

# ``/2010-04-01/Accounts/*/Messages*``: segments of letters, digits and ``._~-``, where ``*``
# stands for any characters within one segment. Matched case-insensitively on the decoded path.
SendPath = Annotated[str, Field(pattern=r"^(/[A-Za-z0-9._~*-]+)+$")]
# Where recipients are: a form field, or a JSON path in which ``name[]`` walks a list.
RecipientPath = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+(\[\])?(\.[A-Za-z0-9_]+(\[\])?)*$")]


class SendRoute(Strict):
    """A request that texts or calls someone: the gateway counts it against a key's send budget
    and checks its recipients against the key's ``to`` patterns. ``to`` is where the recipients
    are in the body (a string or a list of strings there); none for a resend whose recipient
    the request does not name (a key limited by ``to`` may not make those)."""

    method: Literal["POST", "PUT", "PATCH"] = "POST"
    path: SendPath
    body: Literal["json", "form"] = "json"
    to: RecipientPath | None = None

    @model_validator(mode="after")
    def _form_fields_are_flat(self) -> SendRoute:
        if self.body == "form" and self.to is not None and not re.fullmatch(r"\w+", self.to):
            raise ValueError("a form body's recipients are one field name")
        return self

    def matches(self, method: str, path: str) -> bool:
        """``path``: decoded, lower-case, without a trailing slash (see the gateway)."""
        return method == self.method and _send_path(self.path).fullmatch(path) is not None


_SEND_PATHS: dict[str, re.Pattern[str]] = {}


def _send_path(path: str) -> re.Pattern[str]:
    found = _SEND_PATHS.get(path)
    if found is None:
        glob = re.escape(path.lower()).replace(r"\*", "[^/]*")
        found = _SEND_PATHS[path] = re.compile(glob)
    return found


class Provider(Strict):
    slug: Slug
    name: str
    docs_url: HttpUrl
    upstream: HttpUrl
    auth: Auth
    credentials: list[CredentialField] = []
    verification: Verification
    limits: list[RateLimit] = []
    id_formats: dict[str, str] = {}
    webhooks: Webhooks | None = None
    # -- gateway-clients: where its own clients put the key, which links to rewrite, routes
    native_auth: list[NativeCredential] = []
    links: Links = Links()
    routes: list[Route] = []
    # -- end gateway-clients
    sends: list[SendRoute] = []

    @model_validator(mode="after")
    def _template_fields_exist(self) -> Provider:
        names = {f.name for f in self.credentials}
        used = set(re.findall(r"\{([a-z0-9_]+)\}", self._templates()))
        missing = used - names
        if missing:
            raise ValueError(f"templates use undeclared credential fields: {sorted(missing)}")
        if self.auth.mode != "OAUTH2" and not self.credentials:
            raise ValueError("key and basic-auth providers must declare credential fields")
        for scheme in self.webhooks.schemes if self.webhooks else []:
            field = scheme.credential_field
            if field is not None and field not in names:
                raise ValueError(f"webhook secret uses undeclared credential field {field!r}")
        return self

    def _templates(self) -> str:
        auth = self.auth
        parts = [self.verification.path]
        if isinstance(auth, ApiKeyAuth):
            parts.append(auth.template)
        elif isinstance(auth, BasicAuth):
            parts += [auth.username, auth.password]
        return " ".join(parts)

    def send_route(self, method: str, path: str) -> SendRoute | None:
        """The catalogue's entry when ``method path`` sends a message or places a call."""
        return next((s for s in self.sends if s.matches(method, path)), None)

    @property
    def method(self) -> str:
        return self.auth.mode

    def public(self) -> dict[str, object]:
        """What ``GET /apps`` shows: never a value, only the names and rules of fields."""
        return {
            "app": self.slug,
            "name": self.name,
            "method": self.method,
            "docs_url": str(self.docs_url),
            "credentials": [
                {
                    "name": f.name,
                    "title": f.title,
                    "help": f.help,
                    "secret": f.secret,
                    "pattern": f.pattern,
                }
                for f in self.credentials
            ],
            "limits": [limit.model_dump() for limit in self.limits],
        }
