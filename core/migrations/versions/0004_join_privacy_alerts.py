"""Join the privacy and alerts branches of the schema (both grew from 0002 side by side).

Revision ID: 0004_join
Revises: 0003_privacy, 0003_alerts
"""

from collections.abc import Sequence

revision: str = "0004_join"
down_revision: str | Sequence[str] | None = ("0003_privacy", "0003_alerts")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the two branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
