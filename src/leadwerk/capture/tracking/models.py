"""Tables of capture.tracking."""
