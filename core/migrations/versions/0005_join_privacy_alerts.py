"""Join the privacy and alerts branches of the schema (they grew from 0002 side by side).

Revision ID: 0005_join
Revises: 0003_privacy, 0004_watchlist_safeguards
"""

from collections.abc import Sequence

revision: str = "0005_join"
down_revision: str | Sequence[str] | None = ("0003_privacy", "0004_watchlist_safeguards")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the two branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
