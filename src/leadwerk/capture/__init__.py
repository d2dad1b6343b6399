"""Intake: the typed input of every channel, its normalisation and validation, the pipeline."""
