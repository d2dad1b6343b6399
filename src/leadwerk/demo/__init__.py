"""Realistic, deterministic demo data: generation (pure) and bulk loading."""
