"""Connections: the only writer of connection rows.

``service`` (create, activate, fail, reconnect, delete, the gateway's pick), ``links`` (the
connect page's flows: pasted credentials and OAuth2 sign-in), ``refresh`` (single-flight,
lock-safe OAuth2 refresh) and ``sealed`` (which columns hold ciphertext, for rotation).
"""

from trunkline.connections.service import (
    DEAD_CREDENTIALS,
    ConnectionService,
    Usable,
    check_fields,
    ensure_usable,
    session_hash,
)

__all__ = [
    "DEAD_CREDENTIALS",
    "ConnectionService",
    "Usable",
    "check_fields",
    "ensure_usable",
    "session_hash",
]
