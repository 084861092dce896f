"""privacy: key versions of sealed pictures and templates; purged and erased persons

Revision ID: 0003_privacy
Revises: 0002

Pictures and face templates written before this revision are in clear; their `key_id` stays
NULL until the start-up conversion (`core.services.privacy.protect`) seals them. That step
needs the secret key, which migrations do not have, so it is not done here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_privacy"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_photos_key_id"), ["key_id"], unique=False)
    with op.batch_alter_table("face_templates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_face_templates_key_id"), ["key_id"], unique=False)
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pictures_purged_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True)))
        batch_op.add_column(
            sa.Column("erasure_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("erasure_reason")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("pictures_purged_at")
    with op.batch_alter_table("face_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_templates_key_id"))
        batch_op.drop_column("key_id")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_key_id"))
        batch_op.drop_column("key_id")
