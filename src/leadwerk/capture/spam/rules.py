"""Pure rules of capture.spam: no I/O."""
