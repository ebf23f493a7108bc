"""Persistent state: SQLAlchemy 2 async models, engine and Alembic migrations."""

from trunkline.store.db import AsyncSession, make_engine, migrate, sessions
from trunkline.store.models import (
    Account,
    ApiKey,
    Base,
    Connection,
    Delivery,
    Destination,
    Event,
    IdempotencyKey,
    Subscription,
)

__all__ = [
    "Account",
    "ApiKey",
    "AsyncSession",
    "Base",
    "Connection",
    "Delivery",
    "Destination",
    "Event",
    "IdempotencyKey",
    "Subscription",
    "make_engine",
    "migrate",
    "sessions",
]
