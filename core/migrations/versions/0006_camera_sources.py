"""camera sources: how events arrive (http, frigate, hikvision, dahua), health, raw events

Revision ID: 0006_camera_sources
Revises: 0005_join
Create Date: 2026-12-02 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_camera_sources"
down_revision: str | None = "0005_join"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=32), nullable=False, server_default="http")
        )
        batch_op.add_column(sa.Column("external_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("offline_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_cameras_external_name"), ["external_name"]
        )
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plate_image_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_camera_events_plate_image_id_photos"),
            "photos",
            ["plate_image_id"],
            ["id"],
        )
    op.create_table(
        "camera_raw_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_camera_raw_events_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_raw_events")),
    )
    with op.batch_alter_table("camera_raw_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_camera_raw_events_camera_id"), ["camera_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("camera_raw_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_raw_events_camera_id"))
    op.drop_table("camera_raw_events")
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_camera_events_plate_image_id_photos"), type_="foreignkey"
        )
        batch_op.drop_column("details")
        batch_op.drop_column("plate_image_id")
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cameras_external_name"), type_="unique")
        batch_op.drop_column("offline_since")
        batch_op.drop_column("external_name")
        batch_op.drop_column("source")
