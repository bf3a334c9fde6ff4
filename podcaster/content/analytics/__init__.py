"""Listener statistics by the IAB Tech Lab Podcast Measurement Technical Guidelines v2.2.

``user_agents`` (the OPAWG list: apps, platforms, bots), ``salts`` (the daily salt and the listener key),
``geo`` (countries from an optional MaxMind-format file), ``counting`` (which requests may count, hits,
the roll-up into ``download_day``), ``recorder`` (the media route's in-memory buffer, written off the
request path) and ``logs`` (nginx access logs).
"""
