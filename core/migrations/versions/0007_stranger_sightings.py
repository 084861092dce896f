"""stranger sightings: unknown faces counted by the stranger rule (kept a day at most)

Revision ID: 0007_stranger_sightings
Revises: 0006_alert_verdicts
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_stranger_sightings"
down_revision: str | None = "0006_alert_verdicts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stranger_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=True),
        sa.Column("track", sa.String(length=80), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_stranger_sightings_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["passage_id"],
            ["passages.id"],
            name=op.f("fk_stranger_sightings_passage_id_passages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stranger_sightings")),
    )
    with op.batch_alter_table("stranger_sightings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stranger_sightings_key"), ["key"])
        batch_op.create_index(batch_op.f("ix_stranger_sightings_seen_at"), ["seen_at"])


def downgrade() -> None:
    with op.batch_alter_table("stranger_sightings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stranger_sightings_seen_at"))
        batch_op.drop_index(batch_op.f("ix_stranger_sightings_key"))
    op.drop_table("stranger_sightings")
