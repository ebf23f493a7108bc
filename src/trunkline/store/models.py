"""Tables. Credentials are stored only as vault ciphertext; API keys only as SHA-256 hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_name", "name", unique=True),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Connection(Base):
    __tablename__ = "connections"
    __table_args__ = (Index("ix_connections_account_app", "account_id", "app", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    app: Mapped[str] = mapped_column(String(64))
    # test or live; null only for rows from before modes, until the first start settles them.
    mode: Mapped[str | None] = mapped_column(String(8), nullable=True)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # Vault token ("v1.<kid>.<base64>") of the JSON credential; null until a credential exists.
    credential: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The connect-page token: its hash finds the row, its vault seal rebuilds the ``url``.
    session_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    session_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    session_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # Set when the link has done its job (the connection became ACTIVE through it): spent.
    session_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # An OAuth2 sign-in under way: the hash of its ``state`` finds the row at the callback, the
    # vault seal keeps the PKCE verifier and the browser binding.
    oauth_state_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    oauth_flow: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The webhook ingress URL's secret path token: its hash finds the row, its seal shows it.
    ingress_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    ingress_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    # An OAuth2 refresh under way on some replica (``connections.refresh``): its holder and
    # when the lease runs out (epoch seconds), so a crashed holder blocks no one for long.
    refresh_holder: Mapped[str | None] = mapped_column(String(32), nullable=True)
    refresh_lease_until: Mapped[float | None] = mapped_column(Double, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Event(Base):
    """One verified provider delivery, normalised. ``seq`` orders the inbox (the cursor);
    ``dedupe_key`` is the provider's delivery or event identity, so retries are one event."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("connection_id", "dedupe_key", name="uq_events_connection_dedupe"),
        Index("ix_events_account_mode_seq", "account_id", "mode", "seq"),
        Index("ix_events_received_at", "received_at"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    connection_id: Mapped[str] = mapped_column(String(36))  # kept after the connection goes
    mode: Mapped[str] = mapped_column(String(8))
    app: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(80))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    raw: Mapped[Any] = mapped_column(JSON)


class Subscription(Base):
    """trunkline's ingress URL registered with a provider for one connection: what was made at
    the provider (``remote``: webhook ids, numbers and the URLs they had before) and the signing
    secret the provider gave, sealed."""

    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    app: Mapped[str] = mapped_column(String(64))
    events: Mapped[list[str]] = mapped_column(JSON)
    remote: Mapped[dict[str, Any]] = mapped_column(JSON)
    secret_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Destination(Base):
    """Where an account forwards its events: a URL, the event types it wants (patterns like
    ``message.*``), optionally one connection's events only, and the Standard Webhooks signing
    secret, sealed by the vault (bound to the row id)."""

    __tablename__ = "event_destinations"
    __table_args__ = (Index("ix_event_destinations_account_mode", "account_id", "mode"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    types: Mapped[list[str]] = mapped_column(JSON)
    connection_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The current run of failures: when it began (null after any success) and how many
    # deliveries it abandoned; with the last success, they decide when to disable it.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    abandoned_streak: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """One event on its way to one destination: a sequence of attempts. ``replay`` is 0 for the
    delivery the event itself queued and counts up for each replay, so the event queues one
    delivery per destination however often it is announced. ``claimed_by`` and ``lease_until``
    mark an attempt in flight on some replica; a lease that runs out frees it again."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "event_id", "destination_id", "replay", name="uq_event_deliveries_event_destination"
        ),
        Index("ix_event_deliveries_due", "status", "next_attempt_at"),
        Index("ix_event_deliveries_destination", "destination_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    destination_id: Mapped[str] = mapped_column(
        ForeignKey("event_destinations.id", ondelete="CASCADE")
    )
    account_id: Mapped[str] = mapped_column(String(36))
    replay: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    give_up_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdempotencyKey(Base):
    """One gateway ``Idempotency-Key`` of an account: who holds it while the request runs
    (``owner`` until ``locked_until``), then the answer to replay. Times are epoch seconds.
    Written by ``trunkline.idempotency`` alone."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created", "created"),)

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of mode, method, path with query and body: a repeat must match it.
    fingerprint: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)  # null once done
    locked_until: Mapped[float] = mapped_column(Double)
    created: Mapped[float] = mapped_column(Double)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    headers: Mapped[list[list[str]] | None] = mapped_column(JSON, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    body_omitted: Mapped[bool] = mapped_column(Boolean, default=False)
