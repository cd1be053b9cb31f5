"""The supplemental first round: ``prospects.supplemental_round``.

Baseball America's draft tables count the supplemental first round (compensation
and competitive-balance picks) on its own; public sources write such a pick's
round as "1C", "C-A" or "CB-A". A boolean beside ``draft_round`` keeps the round
an integer: round 1 with ``supplemental_round`` true is a 1st-supplemental pick.
Existing rows are regular picks (false).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NEEDS_ROUND = "NOT supplemental_round OR draft_round IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("prospects") as batch:
        batch.add_column(
            sa.Column("supplemental_round", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.create_check_constraint("ck_prospects_supplemental", _NEEDS_ROUND)


def downgrade() -> None:
    """Back to 0002; a supplemental pick becomes a plain pick of its round."""
    with op.batch_alter_table("prospects") as batch:
        batch.drop_constraint("ck_prospects_supplemental", type_="check")
        batch.drop_column("supplemental_round")
