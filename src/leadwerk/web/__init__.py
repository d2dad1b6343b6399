"""The server-rendered UI: Jinja2 templates and htmx, views per domain."""
