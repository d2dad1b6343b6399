"""Engine, sessions, the declarative base and the Alembic migrations. Imports no domain."""
