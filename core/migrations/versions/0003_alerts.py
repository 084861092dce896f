"""camera events, alert sightings and verdict fields, watchlist authority

Revision ID: 0003_alerts
Revises: 0002
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_alerts"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "camera_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("track_id", sa.String(length=64), nullable=False),
        sa.Column("plate_text", sa.String(length=16), nullable=True),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("face_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_camera_events_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["image_id"], ["photos.id"], name=op.f("fk_camera_events_image_id_photos")
        ),
        sa.ForeignKeyConstraint(
            ["face_id"], ["photos.id"], name=op.f("fk_camera_events_face_id_photos")
        ),
        sa.ForeignKeyConstraint(
            ["passage_id"], ["passages.id"], name=op.f("fk_camera_events_passage_id_passages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_events")),
        sa.UniqueConstraint(
            "camera_id", "idempotency_key", name=op.f("uq_camera_events_camera_id")
        ),
    )
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_events_camera_id"), ["camera_id"])
        batch_op.create_index(batch_op.f("ix_camera_events_status"), ["status"])

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sightings", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("verify", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_entry_id_watchlist_entries"),
            "watchlist_entries",
            ["entry_id"],
            ["id"],
        )

    with op.batch_alter_table("watchlist_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("authority", sa.String(length=120), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("watchlist_entries", schema=None) as batch_op:
        batch_op.drop_column("authority")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_alerts_entry_id_watchlist_entries"), type_="foreignkey"
        )
        batch_op.drop_column("note")
        batch_op.drop_column("entry_id")
        batch_op.drop_column("verify")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("sightings")

    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_events_status"))
        batch_op.drop_index(batch_op.f("ix_camera_events_camera_id"))
    op.drop_table("camera_events")
