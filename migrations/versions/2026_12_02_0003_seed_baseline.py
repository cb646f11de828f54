"""The seed's baseline of each concept: the hash of the entry the seed last applied (or that an operator chose
to keep), so that re-seeding can tell "edited since seeded" from "changed in the seed" (dpkg's conffiles).

Existing concepts get the hash of the content their last change by the seed wrote, read from their history;
concepts the seed never wrote stay NULL (any difference from the seed is then the editor's).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The editorial fields of an entry as of this revision (`TermFields`), which the hash covers.
_FIELDS = (
    "slug", "hans", "hant", "pinyin", "en", "en_alternatives", "en_avoid", "en_origin", "definition", "kind",
    "footnote", "components", "aliases", "related", "sources", "note",
)  # fmt: skip


def _hash(record: dict) -> str:
    content = {k: record.get(k) for k in _FIELDS}
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("concept") as batch:
        batch.add_column(sa.Column("seed_hash", sa.String(64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT h.concept_id, h.after FROM concept_history h WHERE h.id IN "
            "(SELECT max(id) FROM concept_history WHERE actor = 'seed' AND after IS NOT NULL GROUP BY concept_id)"
        )
    ).all()
    for concept_id, after in rows:
        connection.execute(
            sa.text("UPDATE concept SET seed_hash = :hash WHERE id = :id"),
            {"hash": _hash(json.loads(after)), "id": concept_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("concept") as batch:
        batch.drop_column("seed_hash")
