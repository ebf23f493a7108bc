"""Test and live modes for keys and connections; unique account names.

Existing keys become live keys (they may hold real connections; a legacy key must never start
sending live traffic to a sandbox or the other way round). Sandbox connections become test mode.
Other connections keep ``mode`` null here: the first start settles them (test when their
credential is a sandbox's seeded one, else live), which needs the vault, not SQL.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("mode", sa.String(8), nullable=False, server_default="live"))
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("mode", sa.String(8), nullable=True))
    op.create_index("ix_connections_account_mode_app", "connections", ["account_id", "mode", "app"])
    connections = sa.table(
        "connections",
        sa.column("id", sa.String),
        sa.column("metadata", sa.JSON),
        sa.column("mode", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(connections.c.id, connections.c.metadata)).all()
    for conn_id, meta in rows:
        if isinstance(meta, dict) and meta.get("sandbox"):
            bind.execute(
                connections.update().where(connections.c.id == conn_id).values(mode="test")
            )
    # Names become the handle of `--account NAME`: make any duplicates distinct first.
    accounts = sa.table("accounts", sa.column("id", sa.String), sa.column("name", sa.String))
    seen: set[str] = set()
    for account_id, name in bind.execute(sa.select(accounts.c.id, accounts.c.name)).all():
        unique = name if name not in seen else f"{name}-{account_id[:8]}"
        seen.add(unique)
        if unique != name:
            bind.execute(accounts.update().where(accounts.c.id == account_id).values(name=unique))
    op.create_index("ix_accounts_name", "accounts", ["name"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_accounts_name", table_name="accounts")
    op.drop_index("ix_connections_account_mode_app", table_name="connections")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("mode")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("mode")
