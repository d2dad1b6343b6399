"""Tables of capture.imports."""
