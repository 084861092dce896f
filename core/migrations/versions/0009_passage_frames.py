"""passage frames: camera events looked up by track and by time (frames of one passage)

Revision ID: 0009_passage_frames
Revises: 0008_join
Create Date: 2026-12-02 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_passage_frames"
down_revision: str | None = "0008_join"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.create_index("ix_camera_events_camera_track", ["camera_id", "track_id"])
        batch_op.create_index("ix_camera_events_camera_captured", ["camera_id", "captured_at"])


def downgrade() -> None:
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.drop_index("ix_camera_events_camera_captured")
        batch_op.drop_index("ix_camera_events_camera_track")
