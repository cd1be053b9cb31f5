"""Issue 14: real clubs' data (stints, level codes, signing type) and arrival days.

- ``batting_lines`` / ``pitching_lines``: ``stint`` (existing rows: 1) joins the
  natural key; the level check also takes ``DSL``, ``CPX`` and ``A-``.
- ``prospects``: ``signing_type`` (existing rows: ``draft`` where a round is
  set, else ``international``, which is what an empty round meant before);
  ``signing_year`` and ``signed_on`` may be NULL.
- every league table: ``ingested_on``, the day the row arrived. Rows already
  stored are a backfill: each arrived on its own known date (for prospects
  ``signed_on``), so past reference dates see exactly what they saw before.
- ``ingests``: one row per import.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table -> the column that says when a row became known (its backfilled arrival day)
_KNOWN = {
    "prospects": "signed_on",
    "batting_lines": "end_date",
    "pitching_lines": "end_date",
    "scouting_reports": "report_date",
    "outcomes": "known_on",
    "releases": "released_on",
}
_LEVELS_BEFORE = "level IN ('Rk','A','A+','AA','AAA')"
_LEVELS_AFTER = "level IN ('DSL','CPX','Rk','A-','A','A+','AA','AAA')"
_SIGNING = "signing_type IN ('draft','international','undrafted','unknown')"


def upgrade() -> None:
    op.create_table(
        "ingests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("arrived_on", sa.Date(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in _KNOWN:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("ingested_on", sa.Date(), nullable=True))
            if table == "prospects":
                batch.add_column(sa.Column("signing_type", sa.String(length=13), nullable=True))
            if table.endswith("_lines"):
                batch.add_column(sa.Column("stint", sa.Integer(), nullable=True))
    for table, known in _KNOWN.items():
        op.execute(f"UPDATE {table} SET ingested_on = {known}")
    op.execute(
        "UPDATE prospects SET signing_type = "
        "CASE WHEN draft_round IS NULL THEN 'international' ELSE 'draft' END"
    )
    for table in ("batting_lines", "pitching_lines"):
        op.execute(f"UPDATE {table} SET stint = 1")
    for table in _KNOWN:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("ingested_on", existing_type=sa.Date(), nullable=False)
            if table == "prospects":
                batch.alter_column("signing_type", existing_type=sa.String(13), nullable=False)
                batch.alter_column("signing_year", existing_type=sa.Integer(), nullable=True)
                batch.alter_column("signed_on", existing_type=sa.Date(), nullable=True)
                batch.create_check_constraint("ck_prospects_signing_type", _SIGNING)
            if table.endswith("_lines"):
                kind = table.split("_")[0]
                batch.alter_column("stint", existing_type=sa.Integer(), nullable=False)
                batch.drop_constraint(f"uq_{kind}_stint", type_="unique")
                batch.create_unique_constraint(
                    f"uq_{kind}_stint", ["prospect_id", "season", "level", "stint"]
                )
                batch.drop_constraint(f"ck_{kind}_level", type_="check")
                batch.create_check_constraint(f"ck_{kind}_level", _LEVELS_AFTER)


def downgrade() -> None:
    """Back to 0001; fails (and changes nothing) if data only 0002 allows is stored."""
    for table in _KNOWN:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("ingested_on")
            if table == "prospects":
                batch.drop_constraint("ck_prospects_signing_type", type_="check")
                batch.drop_column("signing_type")
                batch.alter_column("signing_year", existing_type=sa.Integer(), nullable=False)
                batch.alter_column("signed_on", existing_type=sa.Date(), nullable=False)
            if table.endswith("_lines"):
                kind = table.split("_")[0]
                batch.drop_constraint(f"uq_{kind}_stint", type_="unique")
                batch.create_unique_constraint(
                    f"uq_{kind}_stint", ["prospect_id", "season", "level"]
                )
                batch.drop_constraint(f"ck_{kind}_level", type_="check")
                batch.create_check_constraint(f"ck_{kind}_level", _LEVELS_BEFORE)
                batch.drop_column("stint")
    op.drop_table("ingests")
