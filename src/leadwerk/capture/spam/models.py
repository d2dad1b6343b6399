"""Tables of capture.spam."""
