"""Pure rules of capture.hooks: no I/O."""
