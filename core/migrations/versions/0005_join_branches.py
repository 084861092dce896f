"""Join the privacy, alerts and reports branches of the schema (grown from 0002 side by side).

Revision ID: 0005_join
Revises: 0003_privacy, 0004_watchlist_safeguards, 0003_reports
"""

from collections.abc import Sequence

revision: str = "0005_join"
down_revision: str | Sequence[str] | None = ("0003_privacy", "0004_watchlist_safeguards", "0003_reports")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
