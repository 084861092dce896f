"""alert verdicts: a guard's "same person" / "not this person" on a "please verify" alert

Revision ID: 0006_alert_verdicts
Revises: 0005_join
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_alert_verdicts"
down_revision: str | None = "0005_join"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("camera_id", sa.String(length=64), nullable=True),
        sa.Column("same", sa.Boolean(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quiet_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_verdicts_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_alert_verdicts_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_alert_verdicts_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_alert_verdicts_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_verdicts")),
    )
    with op.batch_alter_table("alert_verdicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_verdicts_alert_id"), ["alert_id"])
        batch_op.create_index(batch_op.f("ix_alert_verdicts_person_id"), ["person_id"])


def downgrade() -> None:
    with op.batch_alter_table("alert_verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_verdicts_person_id"))
        batch_op.drop_index(batch_op.f("ix_alert_verdicts_alert_id"))
    op.drop_table("alert_verdicts")
