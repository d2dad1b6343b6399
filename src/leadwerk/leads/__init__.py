"""The shared core: leads, accounts, touchpoints, campaigns, stage history, and their queries."""
