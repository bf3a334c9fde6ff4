"""listener statistics: raw download hits, per-listener downloads of a day, daily aggregates, daily salts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    state = op.create_table('analytics_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rolled_hit_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_state'))
    )
    op.bulk_insert(state, [{'id': 1, 'rolled_hit_id': 0}])
    op.create_table('listener_salt',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_listener_salt'))
    )
    op.create_table('download_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('listener', sa.String(length=32), nullable=False),
    sa.Column('app', sa.String(length=80), nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.Column('bot', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('line_key', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_download_hit_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_download_hit_show_id_show'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_download_hit')),
    sa.UniqueConstraint('line_key', name=op.f('uq_download_hit_line_key'))
    )
    with op.batch_alter_table('download_hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_download_hit_day'), ['day'], unique=False)
        batch_op.create_index('ix_download_hit_day_episode', ['day', 'episode_id'], unique=False)
    op.create_table('listener_download',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('listener', sa.String(length=32), nullable=False),
    sa.Column('app', sa.String(length=80), nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_listener_download_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_listener_download_show_id_show'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listener_download')),
    sa.UniqueConstraint('day', 'episode_id', 'listener', name='uq_listener_download_day_episode_listener')
    )
    with op.batch_alter_table('listener_download', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listener_download_show_id'), ['show_id'], unique=False)
    op.create_table('download_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('app', sa.String(length=80), nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_download_day_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_download_day_show_id_show'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_download_day')),
    sa.UniqueConstraint('day', 'episode_id', 'app', 'platform', 'country', name='uq_download_day_key')
    )
    with op.batch_alter_table('download_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_download_day_show_id'), ['show_id'], unique=False)
        batch_op.create_index('ix_download_day_show_day', ['show_id', 'day'], unique=False)
        batch_op.create_index('ix_download_day_episode_day', ['episode_id', 'day'], unique=False)


def downgrade():
    op.drop_table('download_day')
    op.drop_table('listener_download')
    op.drop_table('download_hit')
    op.drop_table('listener_salt')
    op.drop_table('analytics_state')
