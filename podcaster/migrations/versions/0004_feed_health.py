"""feed health: what the feed doctor last found in each show's feed, for the dashboard

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feed_health',
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('unchecked', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_feed_health_show_id_show'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('show_id', name=op.f('pk_feed_health'))
    )


def downgrade():
    op.drop_table('feed_health')
