"""Outbox, worker, outbound webhooks. Knows no domain: policies are handed in by `create_app`."""
