"""Helpers shared by the tests: each exists once here, and no test module imports another test module.

``web`` (login, CSRF, forms), ``media`` (the data folder and the media root), ``images`` (real images made
with Pillow), ``rows`` (row counts), ``feeds`` (complete shows and posts for feed tests), ``podcasts``
(shows and episodes through the admin forms), ``authoring`` (author, book, post and video form data and a
small seeded site), ``live`` (gunicorn and Chromium), ``pg`` (a throwaway PostgreSQL cluster), ``redis``
(a throwaway redis-server), ``receiver`` (a local HTTP server recording pings), ``queries`` (SQL statement
counts per request, a catalogue seeded in bulk), ``a11y`` (the axe-core audit, ``assert_accessible``).
"""
