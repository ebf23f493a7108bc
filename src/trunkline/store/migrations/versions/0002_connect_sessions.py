"""Connect page and OAuth2: spent connect links and OAuth2 sign-ins under way.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("session_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("oauth_state_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("oauth_flow", sa.Text, nullable=True))
    op.create_index("ix_connections_oauth_state_hash", "connections", ["oauth_state_hash"])


def downgrade() -> None:
    op.drop_index("ix_connections_oauth_state_hash", table_name="connections")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("oauth_flow")
        batch.drop_column("oauth_state_hash")
        batch.drop_column("session_used_at")
