"""Forwarding: event destinations and the delivery log.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _account() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "account_id",
        sa.String(36),
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "event_destinations",
        sa.Column("id", sa.String(40), primary_key=True),
        _account(),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("types", sa.JSON, nullable=False),
        sa.Column("connection_id", sa.String(36), nullable=True),
        sa.Column("secret_sealed", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disabled_reason", sa.Text, nullable=True),
        sa.Column("failing_since", stamp, nullable=True),
        sa.Column("last_success_at", stamp, nullable=True),
        sa.Column("abandoned_streak", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
    )
    op.create_index(
        "ix_event_destinations_account_mode", "event_destinations", ["account_id", "mode"]
    )
    op.create_table(
        "event_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "event_id",
            sa.String(40),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "destination_id",
            sa.String(40),
            sa.ForeignKey("event_destinations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("replay", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", stamp, nullable=True),
        sa.Column("give_up_at", stamp, nullable=False),
        sa.Column("claimed_by", sa.String(40), nullable=True),
        sa.Column("lease_until", stamp, nullable=True),
        sa.Column("last_response_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_attempt_at", stamp, nullable=True),
        sa.Column("delivered_at", stamp, nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
        sa.UniqueConstraint(
            "event_id", "destination_id", "replay", name="uq_event_deliveries_event_destination"
        ),
    )
    op.create_index("ix_event_deliveries_due", "event_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_event_deliveries_destination", "event_deliveries", ["destination_id", "id"])
    op.create_index("ix_event_deliveries_event_id", "event_deliveries", ["event_id"])


def downgrade() -> None:
    op.drop_table("event_deliveries")
    op.drop_index("ix_event_destinations_account_mode", table_name="event_destinations")
    op.drop_table("event_destinations")
