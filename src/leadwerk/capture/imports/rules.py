"""Pure rules of capture.imports: no I/O."""
