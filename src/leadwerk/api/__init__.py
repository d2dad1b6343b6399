"""The JSON API: FastAPI routers per domain, shared dependencies, one error translator."""
