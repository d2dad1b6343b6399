"""Users, teams, roles, UI sessions, API keys and the audit log. The lowest domain."""
