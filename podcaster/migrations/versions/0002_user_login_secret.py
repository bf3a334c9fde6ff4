"""user login secret: every session and remember cookie is bound to it, so it can be revoked

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:40:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_secret', sa.String(length=64), nullable=True))
    # Each existing account gets its own secret; the cookies issued before this
    # revision (which carry no secret) stop working, as after a logout.
    users = sa.table('user_account', sa.column('id', sa.Integer), sa.column('login_secret', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(login_secret=secrets.token_urlsafe(24)))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('login_secret', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('login_secret')
