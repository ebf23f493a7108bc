"""Accounts and their API keys: the only writer of the ``accounts`` and ``api_keys`` tables, and
the one place a caller is authenticated.

A key is shown once; only its SHA-256 is stored. Keys carry 256 bits of randomness, so a fast hash
is the right tool (no password stretching needed): lookups stay O(1) on the gateway's hot path.
Keys are ``tk_test_…`` or ``tk_live_…`` like Stripe's; the mode is stored with the key, the prefix
only tells people which one they hold. Keys from before modes (``tk_…``) are live keys.
A key may carry a scope (``trunkline.scopes``), fixed when it is issued.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from trunkline.enums import Mode
from trunkline.errors import Conflict, InvalidRequest, NotFound, Unauthorized
from trunkline.scopes import UNSCOPED, Scope
from trunkline.store import Account, ApiKey, AsyncSession
from trunkline.timeutil import now, rfc3339

KEY_PREFIX = "tk_"
ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$")
NO_KEY = "send your trunkline API key as 'Authorization: Bearer <key>'"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the account, the key, the key's mode and what the key may do."""

    account_id: str
    key_id: str
    mode: Mode
    scope: Scope = UNSCOPED


@dataclass(frozen=True)
class IssuedKey:
    id: str
    account_id: str
    plaintext: str
    prefix: str
    mode: Mode
    scope: Scope = UNSCOPED


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8", "surrogateescape")).hexdigest()


def new_key(mode: Mode) -> str:
    return f"{KEY_PREFIX}{mode.value}_{secrets.token_urlsafe(32)}"


def bearer_key(authorization: str | None) -> str:
    """The key in ``Authorization: Bearer <key>``; 401 when there is none."""
    if not authorization or authorization[:7].lower() != "bearer ":
        raise Unauthorized(NO_KEY)
    key = authorization[7:].strip()
    if not key:
        raise Unauthorized(NO_KEY)
    return key


async def authenticate(session: AsyncSession, key: str) -> Caller:
    """The caller behind an API key; 401 for an unknown or revoked key."""
    row = (
        await session.execute(
            select(ApiKey.id, ApiKey.account_id, ApiKey.mode, ApiKey.scope).where(
                ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)
            )
        )
    ).one_or_none()
    if row is None:
        raise Unauthorized("invalid or revoked API key")
    return Caller(row.account_id, row.id, Mode(row.mode), Scope.from_json(row.scope))


def _checked_name(name: str) -> str:
    name = name.strip()
    if not ACCOUNT_NAME.match(name):
        raise InvalidRequest(
            "an account name is 1 to 100 letters, digits, spaces or . _ @ -, "
            "starting with a letter or digit"
        )
    return name


async def create_account(session: AsyncSession, name: str = "default") -> Account:
    name = _checked_name(name)
    if await find_account(session, name) is not None:
        raise Conflict(f"an account named {name!r} already exists", code="account_exists")
    account = Account(id=str(uuid.uuid4()), name=name, created_at=now())
    session.add(account)
    await session.flush()
    return account


async def find_account(session: AsyncSession, name_or_id: str) -> Account | None:
    query = select(Account).where((Account.name == name_or_id) | (Account.id == name_or_id))
    return (await session.execute(query)).scalars().first()


async def account(session: AsyncSession, name_or_id: str) -> Account:
    found = await find_account(session, name_or_id)
    if found is None:
        raise NotFound(f"no account named {name_or_id!r}", code="account_not_found")
    return found


async def first_account(session: AsyncSession) -> Account | None:
    result = await session.execute(select(Account).order_by(Account.created_at).limit(1))
    return result.scalar_one_or_none()


async def list_accounts(session: AsyncSession) -> list[Account]:
    return list((await session.execute(select(Account).order_by(Account.created_at))).scalars())


async def rename_account(session: AsyncSession, name_or_id: str, new_name: str) -> Account:
    target = await account(session, name_or_id)
    new_name = _checked_name(new_name)
    clash = await find_account(session, new_name)
    if clash is not None and clash.id != target.id:
        raise Conflict(f"an account named {new_name!r} already exists", code="account_exists")
    target.name = new_name
    return target


async def issue_key(
    session: AsyncSession,
    account_id: str,
    mode: Mode,
    name: str = "",
    scope: Scope = UNSCOPED,
) -> IssuedKey:
    plaintext = new_key(mode)
    row = ApiKey(
        id=str(uuid.uuid4()),
        account_id=account_id,
        key_hash=hash_key(plaintext),
        prefix=plaintext[:16],
        mode=mode.value,
        name=name,
        scope=None if scope.unscoped else scope.wire(),
        created_at=now(),
    )
    session.add(row)
    await session.flush()
    return IssuedKey(row.id, account_id, plaintext, row.prefix, mode, scope)


async def list_keys(session: AsyncSession, account_id: str | None = None) -> list[dict[str, Any]]:
    query = select(ApiKey, Account.name).join(Account, Account.id == ApiKey.account_id)
    if account_id is not None:
        query = query.where(ApiKey.account_id == account_id)
    result = await session.execute(query.order_by(ApiKey.created_at))
    return [
        {
            "id": key.id,
            "account": account_name,
            "mode": key.mode,
            "prefix": key.prefix,
            "name": key.name,
            "created_at": rfc3339(key.created_at),
            "revoked_at": rfc3339(key.revoked_at) if key.revoked_at else None,
            "scope": Scope.from_json(key.scope).wire(),
        }
        for key, account_name in result.all()
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
