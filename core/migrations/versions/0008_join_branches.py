"""Join the camera-sources, channels and alert-verdicts branches (grown from 0005 side by side).

Revision ID: 0008_join
Revises: 0006_camera_sources, 0006_channels, 0007_stranger_sightings
"""

from collections.abc import Sequence

revision: str = "0008_join"
down_revision: str | Sequence[str] | None = (
    "0006_camera_sources",
    "0006_channels",
    "0007_stranger_sightings",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
