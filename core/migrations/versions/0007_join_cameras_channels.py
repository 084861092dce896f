"""Join the camera-sources and channels branches of the schema (grown from 0005 side by side).

Revision ID: 0007_join
Revises: 0006_camera_sources, 0006_channels
"""

from collections.abc import Sequence

revision: str = "0007_join"
down_revision: str | Sequence[str] | None = ("0006_camera_sources", "0006_channels")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
