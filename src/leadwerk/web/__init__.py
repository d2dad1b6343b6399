"""The server-rendered UI: Jinja2 templates and htmx, views per domain."""

from leadwerk.web.ui import install

__all__ = ["install"]
