"""A job's progress on its row: ``jobs.progress``.

A ranking's chunks and a retraining's stages report how far they are; the row
holds it (``{done, total}`` and, for a retraining, its ``stage``), so a poll
is one read of the row and no copy of the job's state lives in Celery's
result backend. Existing rows have none (null).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("progress", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Back to 0003; progress is forgotten."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("progress")
