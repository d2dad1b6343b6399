"""Tables of capture.forms."""
