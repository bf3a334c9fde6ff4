"""site settings: one row of title, theme, navigation, footer and subscribe choices; shows' directory links

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tagline', sa.String(length=300), nullable=False),
    sa.Column('logo_id', sa.Integer(), nullable=True),
    sa.Column('favicon_id', sa.Integer(), nullable=True),
    sa.Column('accent_color', sa.String(length=7), nullable=False),
    sa.Column('nav_sections', sa.JSON(), nullable=False),
    sa.Column('footer_text', sa.Text(), nullable=False),
    sa.Column('social_links', sa.JSON(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('subscribe_apps', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['favicon_id'], ['media_file.id'], name=op.f('fk_site_settings_favicon_id_media_file'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['logo_id'], ['media_file.id'], name=op.f('fk_site_settings_logo_id_media_file'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_settings'))
    )
    # Existing shows get empty directory links (the server default only fills the rows already there).
    with op.batch_alter_table('show', schema=None) as batch_op:
        batch_op.add_column(sa.Column('apple_podcasts_url', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('spotify_url', sa.String(length=500), nullable=False, server_default=''))
    with op.batch_alter_table('show', schema=None) as batch_op:
        batch_op.alter_column('apple_podcasts_url', server_default=None)
        batch_op.alter_column('spotify_url', server_default=None)


def downgrade():
    with op.batch_alter_table('show', schema=None) as batch_op:
        batch_op.drop_column('spotify_url')
        batch_op.drop_column('apple_podcasts_url')
    op.drop_table('site_settings')
