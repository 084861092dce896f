"""watchlist safeguards: who added an entry, its end, when it is purged

Revision ID: 0004_watchlist_safeguards
Revises: 0003_alerts
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_watchlist_safeguards"
down_revision: str | None = "0003_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watchlist_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("added_by", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("end_reason", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("purge_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_watchlist_entries_ended_by_id_members"),
            "members",
            ["ended_by_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_watchlist_entries_purge_at"), ["purge_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("watchlist_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watchlist_entries_purge_at"))
        batch_op.drop_constraint(
            batch_op.f("fk_watchlist_entries_ended_by_id_members"), type_="foreignkey"
        )
        batch_op.drop_column("purge_at")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_by_id")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("added_by")
