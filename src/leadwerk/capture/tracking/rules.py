"""Pure rules of capture.tracking: no I/O."""
