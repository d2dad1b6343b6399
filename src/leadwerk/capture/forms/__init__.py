"""Forms: definitions with frozen versions, the hosted and embedded form, submissions and stats."""
