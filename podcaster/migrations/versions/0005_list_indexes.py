"""list indexes: a show's episodes by publication, and recently changed episodes, without sorting them all

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('episode', schema=None) as batch_op:
        batch_op.create_index('ix_episode_show_id_publish_at_id', ['show_id', 'publish_at', 'id'], unique=False)
        batch_op.create_index('ix_episode_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('episode', schema=None) as batch_op:
        batch_op.drop_index('ix_episode_updated_at')
        batch_op.drop_index('ix_episode_show_id_publish_at_id')
