"""The domain in plain Python: functions take values and paths, never the app or the request."""
