"""media location: where each stored file lives (the local folder or the S3 bucket)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('media_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_in', sa.String(length=10), server_default='local', nullable=False))


def downgrade():
    with op.batch_alter_table('media_file', schema=None) as batch_op:
        batch_op.drop_column('stored_in')
