"""Pure rules of capture.forms: no I/O."""
