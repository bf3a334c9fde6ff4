"""feed cache: why the last rebuild failed, and when

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feed_cache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('build_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('build_failed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('feed_cache', schema=None) as batch_op:
        batch_op.drop_column('build_failed_at')
        batch_op.drop_column('build_error')
