"""The OAuth2 refresh lease on a connection: who is refreshing its token and until when.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
# After 0006 (idempotency); re-chained after 0007 at merge.
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("refresh_holder", sa.String(32), nullable=True))
        batch.add_column(sa.Column("refresh_lease_until", sa.Double, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("refresh_lease_until")
        batch.drop_column("refresh_holder")
