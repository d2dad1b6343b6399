"""Tables of capture.hooks."""
