"""job records: each background job's state, progress and error, for the admin's Jobs page

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 14:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=500), nullable=True),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('arguments', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_record')),
    sa.UniqueConstraint('task_id', name=op.f('uq_job_record_task_id'))
    )
    with op.batch_alter_table('job_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_record_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_record_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_record_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('job_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_record_state'))
        batch_op.drop_index(batch_op.f('ix_job_record_name'))
        batch_op.drop_index(batch_op.f('ix_job_record_key'))
    op.drop_table('job_record')
