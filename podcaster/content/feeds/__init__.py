"""Feeds: the podcast RSS (feedgen plus our extension), the blog Atom, their cache, and the feed doctor."""
