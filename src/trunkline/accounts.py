"""Accounts and their API keys. A key is shown once; only its SHA-256 is stored.

Keys carry 256 bits of randomness, so a fast hash is the right tool (no password stretching
needed): lookups stay O(1) on the gateway's hot path.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from trunkline.errors import NotFound
from trunkline.store import Account, ApiKey, AsyncSession
from trunkline.timeutil import now, rfc3339

KEY_PREFIX = "tk_"


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8", "surrogateescape")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class IssuedKey:
    id: str
    account_id: str
    plaintext: str
    prefix: str


async def create_account(session: AsyncSession, name: str = "default") -> Account:
    account = Account(id=str(uuid.uuid4()), name=name, created_at=now())
    session.add(account)
    await session.flush()
    return account


async def first_account(session: AsyncSession) -> Account | None:
    result = await session.execute(select(Account).order_by(Account.created_at).limit(1))
    return result.scalar_one_or_none()


async def issue_key(session: AsyncSession, account_id: str, name: str = "") -> IssuedKey:
    plaintext = new_key()
    row = ApiKey(
        id=str(uuid.uuid4()),
        account_id=account_id,
        key_hash=hash_key(plaintext),
        prefix=plaintext[:10],
        name=name,
        created_at=now(),
    )
    session.add(row)
    await session.flush()
    return IssuedKey(row.id, account_id, plaintext, row.prefix)


async def account_for_key(session: AsyncSession, plaintext: str) -> str | None:
    result = await session.execute(
        select(ApiKey.account_id).where(
            ApiKey.key_hash == hash_key(plaintext), ApiKey.revoked_at.is_(None)
        )
    )
    return result.scalar_one_or_none()


async def list_keys(session: AsyncSession) -> list[dict[str, str | None]]:
    result = await session.execute(select(ApiKey).order_by(ApiKey.created_at))
    return [
        {
            "id": key.id,
            "account_id": key.account_id,
            "prefix": key.prefix,
            "name": key.name,
            "created_at": rfc3339(key.created_at),
            "revoked_at": rfc3339(key.revoked_at) if key.revoked_at else None,
        }
        for key in result.scalars()
    ]


async def revoke_key(session: AsyncSession, id_or_prefix: str) -> ApiKey:
    result = await session.execute(
        select(ApiKey).where((ApiKey.id == id_or_prefix) | (ApiKey.prefix == id_or_prefix))
    )
    rows = list(result.scalars())
    if len(rows) != 1:
        raise NotFound(f"no single API key matches {id_or_prefix!r}", code="key_not_found")
    rows[0].revoked_at = rows[0].revoked_at or now()
    return rows[0]
