"""Events: the inbox of verified provider deliveries, provider subscriptions, ingress tokens.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("ingress_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("ingress_sealed", sa.Text, nullable=True))
    op.create_index("ix_connections_ingress_hash", "connections", ["ingress_hash"])
    op.create_table(
        "events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "account_id",
            sa.String(36),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("connection_id", sa.String(36), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("app", sa.String(64), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("raw", sa.JSON, nullable=True),
        sa.UniqueConstraint("connection_id", "dedupe_key", name="uq_events_connection_dedupe"),
    )
    op.create_index("ix_events_account_mode_seq", "events", ["account_id", "mode", "seq"])
    op.create_index("ix_events_received_at", "events", ["received_at"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "connection_id",
            sa.String(36),
            sa.ForeignKey("connections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "account_id",
            sa.String(36),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("app", sa.String(64), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("remote", sa.JSON, nullable=False),
        sa.Column("secret_sealed", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_subscriptions_connection_id", "subscriptions", ["connection_id"])


def downgrade() -> None:
    op.drop_table("subscriptions")
    op.drop_index("ix_events_received_at", table_name="events")
    op.drop_index("ix_events_account_mode_seq", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_connections_ingress_hash", table_name="connections")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("ingress_sealed")
        batch.drop_column("ingress_hash")
