"""Key scopes: what an API key may do (apps, connections, read-only, destinations, send budget).

Existing keys get null: unscoped, as they were.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
# After 0006 (idempotency keys).
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("scope", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("scope")
